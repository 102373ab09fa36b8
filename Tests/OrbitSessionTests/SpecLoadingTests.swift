import Foundation
import OrbitTesting
import Testing

@testable import OrbitSession

@Suite("Loading a spec for a command")
struct SpecLoadingTests {
  func refusal(_ path: String) -> SessionError? {
    do {
      _ = try SpecLoading.load(path)
      return nil
    } catch {
      return error
    }
  }

  /// A core setting no trial could run with fails at load, pointing at its line, even when
  /// only a later grid point has it.
  @Test func aBadCoreParameterIsRefusedWithItsFileLineAnd65() throws {
    let sandbox = try Sandbox()
    let path = try sandbox.file(
      "core.yaml",
      """
      method: grid
      runner: core
      task: {kind: manifold}
      model: {kind: mlp, width: 8}
      train: {steps: 10}
      parameters:
        seed: {value: 0}
        train.optimizer: {values: [adam, adamm]}
      """)
    let error = try #require(refusal(path))
    #expect(error.exitCode == ExitStatus.badData)
    #expect(error.message.hasPrefix("\(path):8:3: "))
    #expect(error.message.contains("train.optimizer"))
    #expect(error.message.contains("adamm"))
  }

  @Test func aSettingOfAFixedBlockPointsAtThatBlock() throws {
    let sandbox = try Sandbox()
    let path = try sandbox.file(
      "core.yaml",
      """
      method: grid
      runner: core
      task: {kind: manifold}
      model: {kind: mlp, width: 8}
      train: {steps: 10, optimizer: adamm}
      parameters:
        seed: {value: 0}
      """)
    let error = try #require(refusal(path))
    #expect(error.exitCode == 65)
    #expect(error.message.hasPrefix("\(path):5:"))
  }

  @Test func aWSDRunWhoseStepsMissItsLastCooldownIs65NamingTheKey() throws {
    let sandbox = try Sandbox()
    let path = try sandbox.file(
      "core.yaml",
      """
      method: grid
      runner: core
      task: {kind: manifold}
      model: {kind: mlp, width: 8}
      train:
        schedule: wsd
        batch: 128
        cooldowns: [8192, 32768, 131072]
        steps: 1024
      parameters:
        seed: {value: 0}
      """)
    let error = try #require(refusal(path))
    #expect(error.exitCode == ExitStatus.badData)
    #expect(error.message.hasPrefix("\(path):9:"), "\(error.message)")
    // 131072 / 128 = 1024 trunk steps, then a cooldown of 0.2 · 1024 ≈ 205.
    #expect(error.message.contains("train.steps must be 1229 with train.schedule wsd"))
  }

  @Test func aGoodCoreSpecLoads() throws {
    let sandbox = try Sandbox()
    let path = try sandbox.file(
      "core.yaml",
      """
      method: grid
      runner: core
      task: {kind: manifold}
      model: {kind: mlp, width: 8}
      train: {steps: 10}
      parameters:
        seed: {values: [0, 1]}
        train.optimizer: {values: [adam, sgd]}
      """)
    #expect(try SpecLoading.load(path).trialCount == 4)
  }

  @Test func aMissingSpecIs66AndAnInvalidOne65() throws {
    let sandbox = try Sandbox()
    let missing = try #require(refusal(sandbox.path + "/nope.yaml"))
    #expect(missing.exitCode == ExitStatus.noInput)
    #expect(missing.message.contains("nope.yaml"))
    let bad = try sandbox.file(
      "bad.yaml", "method: grid\nprogram: x.py\nparameters:\n  lr:\n    min: 1.0\n    max: 0.1\n")
    let invalid = try #require(refusal(bad))
    #expect(invalid.exitCode == ExitStatus.badData)
    #expect(invalid.message.hasPrefix("\(bad):5:"))
  }
}
