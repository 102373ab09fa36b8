/// A contiguous, 64-byte aligned block of `Float`s owned by one trial.
///
/// Allocated once when a trial is set up and freed with it, so the training loop never touches the
/// allocator. Not `Sendable`: a buffer belongs to the thread that runs its trial.
final class FloatBuffer {
  /// The first element; valid for `count` elements until the buffer is released.
  let pointer: UnsafeMutablePointer<Float>
  /// Number of elements.
  let count: Int

  /// Allocates `count` zeroed elements.
  init(count: Int) {
    self.count = count
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    pointer.initialize(repeating: 0, count: max(count, 1))
  }

  deinit { UnsafeMutableRawPointer(pointer).deallocate() }

  /// The elements as a buffer pointer.
  var elements: UnsafeMutableBufferPointer<Float> {
    UnsafeMutableBufferPointer(start: pointer, count: count)
  }

  /// Sets every element to zero.
  func zero() { pointer.update(repeating: 0, count: count) }

  /// Copies every element of `other`, which must have the same count.
  func copy(from other: FloatBuffer) {
    precondition(other.count == count)
    pointer.update(from: other.pointer, count: count)
  }

  /// The elements copied into an array (for tests and reports, never in the training loop).
  var array: [Float] { Array(elements) }
}

/// Indices owned by one trial (batch orders, permutation tables), allocated once.
final class IndexBuffer {
  /// The first element; valid for `count` elements.
  let pointer: UnsafeMutablePointer<Int32>
  /// Number of elements.
  let count: Int

  /// Allocates `count` elements set to 0, 1, 2, ….
  init(count: Int) {
    self.count = count
    pointer = .allocate(capacity: max(count, 1))
    for index in 0..<max(count, 1) { (pointer + index).initialize(to: Int32(index)) }
  }

  deinit { pointer.deallocate() }

  /// Copies every element of `other`, which must have the same count.
  func copy(from other: IndexBuffer) {
    precondition(other.count == count)
    pointer.update(from: other.pointer, count: count)
  }

  /// The elements as a buffer pointer.
  var elements: UnsafeMutableBufferPointer<Int32> {
    UnsafeMutableBufferPointer(start: pointer, count: count)
  }
}
