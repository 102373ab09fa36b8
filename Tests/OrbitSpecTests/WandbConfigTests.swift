import OrbitSpec
import Testing

/// W&B sweep configs that wandb runs, and Orbit must too.
@Suite("Configs users already have")
struct WandbConfigTests {
  @Test func aRepeatedGridValueRunsOnceWithAWarningNamingIt() throws {
    let spec = try Spec.parse(
      yaml:
        "method: grid\nprogram: t.py\nparameters:\n  n: {values: [1, 2, 1.0]}\n  m: {values: [a, b]}\n",
      fileName: "spec.yaml")
    #expect(spec.trialCount == 4)
    #expect(Set((0..<4).map { spec.trial(at: $0).id }).count == 4)
    #expect(
      spec.warnings == [
        "spec.yaml:4:3: parameter 'n': values 1 and 3 (1 and 1.0) are the same grid point; it runs once, as wandb does"
      ])
  }

  @Test func aRepeatedZipRowRunsOnce() throws {
    let spec = try Spec.parse(
      yaml:
        "method: grid\nprogram: t.py\nzip: [[a, b]]\nparameters:\n  a: {values: [1, 2, 1]}\n  b: {values: [x, y, x]}\n",
      fileName: "spec.yaml")
    #expect(spec.trialCount == 2)
    #expect(spec.warnings.count == 1 && spec.warnings[0].contains("zip group [a, b]: rows 1 and 3"))
  }

  @Test func aSpecWithNothingToRunCanBePlannedNotRun() throws {
    let spec = try Spec.parse(
      yaml: "method: grid\nparameters:\n  x: {values: [1, 2]}\n", fileName: "spec.yaml")
    #expect(spec.trialCount == 2)
    #expect(spec.runProblem?.contains("neither 'program' nor 'command'") == true)
    let runnable = try Spec.parse(
      yaml: "method: grid\nprogram: t.py\nparameters:\n  x: {values: [1, 2]}\n",
      fileName: "spec.yaml")
    #expect(runnable.runProblem == nil)
  }
}
