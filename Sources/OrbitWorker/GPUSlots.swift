/// Which GPUs each slot of a worker owns (`orbit worker --gpus 0,1,2,3 --gpus-per-trial K`):
/// slot i runs its trials with `CUDA_VISIBLE_DEVICES` set to its devices, so trials on one node
/// never share a GPU by accident.
public struct GPUSlots: Sendable, Equatable {
  /// Each slot's device ids, as CUDA_VISIBLE_DEVICES spells them.
  public let devices: [[String]]

  public var slots: Int { devices.count }

  /// Splits `gpus` into slots of `perTrial` devices each; left-over devices stay unused.
  public init(gpus: [String], perTrial: Int) {
    let k = max(1, perTrial)
    devices = stride(from: 0, to: gpus.count - k + 1, by: k).map { Array(gpus[$0..<$0 + k]) }
  }

  /// The devices `--gpus` names: a list (`0,1,3`), or `all` — CUDA_VISIBLE_DEVICES when set
  /// (a scheduler such as Slurm sets it to the job's GPUs), else one per line of `nvidia-smi -L`.
  /// Nil with the reason when the text names none.
  public static func devices(
    _ text: String, environment: [String: String], nvidiaSMIList: () -> String?
  ) -> Result<[String], GPUError> {
    if text != "all" {
      let ids = text.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard !ids.isEmpty, ids.allSatisfy({ !$0.isEmpty }), Set(ids).count == ids.count else {
        return .failure(
          GPUError("--gpus takes 'all' or distinct device ids such as 0,1,2,3; got '\(text)'"))
      }
      return .success(ids)
    }
    if let visible = environment["CUDA_VISIBLE_DEVICES"], !visible.isEmpty {
      return devices(visible, environment: [:], nvidiaSMIList: { nil })
    }
    let listed = (nvidiaSMIList() ?? "").split(separator: "\n").filter { $0.hasPrefix("GPU ") }
    guard !listed.isEmpty else {
      return .failure(
        GPUError(
          "--gpus all found no GPU: CUDA_VISIBLE_DEVICES is not set and nvidia-smi -L lists none; name them (--gpus 0,1)"
        ))
    }
    return .success(listed.indices.map(String.init))
  }
}

public struct GPUError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
