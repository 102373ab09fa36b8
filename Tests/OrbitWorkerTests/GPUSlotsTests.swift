import Testing

@testable import OrbitWorker

@Suite("GPU slots")
struct GPUSlotsTests {
  @Test func devicesAreSplitIntoSlotsOfTheirSize() {
    #expect(
      GPUSlots(gpus: ["0", "1", "2", "3"], perTrial: 1).devices == [["0"], ["1"], ["2"], ["3"]])
    #expect(
      GPUSlots(gpus: ["0", "1", "2", "3"], perTrial: 2).devices == [["0", "1"], ["2", "3"]])
    #expect(GPUSlots(gpus: ["0", "1", "2"], perTrial: 2).devices == [["0", "1"]])
    #expect(GPUSlots(gpus: ["0"], perTrial: 2).slots == 0)
  }

  @Test func allMeansTheSchedulersDevicesElseWhatNvidiaSMIShows() throws {
    let fromSlurm = GPUSlots.devices(
      "all", environment: ["CUDA_VISIBLE_DEVICES": "2,5"], nvidiaSMIList: { nil })
    #expect(try fromSlurm.get() == ["2", "5"])
    let listing = "GPU 0: NVIDIA A100 (UUID: GPU-1)\nGPU 1: NVIDIA A100 (UUID: GPU-2)\n"
    #expect(
      try GPUSlots.devices("all", environment: [:], nvidiaSMIList: { listing }).get() == ["0", "1"])
    guard
      case .failure(let none) = GPUSlots.devices("all", environment: [:], nvidiaSMIList: { nil })
    else {
      Issue.record("no GPU must be an error")
      return
    }
    #expect(none.description.contains("found no GPU"))
  }

  @Test func aListIsTakenAsGivenAndNonsenseIsRefused() throws {
    #expect(
      try GPUSlots.devices("0, 3", environment: [:], nvidiaSMIList: { nil }).get() == ["0", "3"])
    for bad in ["", "0,,1", "1,1"] {
      guard case .failure = GPUSlots.devices(bad, environment: [:], nvidiaSMIList: { nil }) else {
        Issue.record("'\(bad)' accepted")
        continue
      }
    }
  }
}
