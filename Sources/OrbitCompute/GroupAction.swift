/// A finite group acting on a model's input vector by permuting its entries: the cyclic shifts of
/// a length-L signal, or the permutations of a set's k elements of m features.
///
/// Stored as a table of index maps, element g sending input entry `table[g][i]` to output entry i,
/// built once per trial.
final class GroupAction {
  /// Number of group elements |G|.
  let order: Int
  /// Length of the vector acted on.
  let width: Int
  private let table: IndexBuffer

  private init(order: Int, width: Int, fill: (Int, Int) -> Int) {
    self.order = order
    self.width = width
    table = IndexBuffer(count: order * width)
    for element in 0..<order {
      for index in 0..<width {
        table.pointer[element * width + index] = Int32(fill(element, index))
      }
    }
  }

  /// The L cyclic shifts of a length-L vector: element g maps x to (x[g], x[g+1], …).
  static func cyclicShifts(length: Int) -> GroupAction {
    GroupAction(order: length, width: length) { shift, index in (index + shift) % length }
  }

  /// The k! permutations of a set of `elements` rows of `features` entries, in lexicographic
  /// order (element 0 is the identity).
  static func permutations(elements: Int, features: Int) -> GroupAction {
    var all: [[Int]] = []
    func extend(_ prefix: [Int], _ rest: [Int]) {
      if rest.isEmpty {
        all.append(prefix)
        return
      }
      for (position, value) in rest.enumerated() {
        var remaining = rest
        remaining.remove(at: position)
        extend(prefix + [value], remaining)
      }
    }
    extend([], Array(0..<elements))
    return GroupAction(order: all.count, width: elements * features) { element, index in
      all[element][index / features] * features + index % features
    }
  }

  /// The input entry that element `element` moves to entry `index`.
  @inline(__always)
  func source(_ element: Int, _ index: Int) -> Int { Int(table.pointer[element * width + index]) }

  /// output = g · input for one sample of `width` floats.
  @inline(__always)
  func apply(
    _ element: Int, to input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>
  ) {
    let map = table.pointer + element * width
    for index in 0..<width { output[index] = input[Int(map[index])] }
  }
}
