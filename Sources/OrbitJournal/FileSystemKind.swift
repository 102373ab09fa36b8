import CSupport
import Foundation

/// Which kind of filesystem holds a path, as far as SQLite cares: its WAL mode keeps an index
/// in shared memory (`-shm`, mmap'd) that only processes on one host can share, so on a network
/// filesystem (NFS, Lustre, GPFS, BeeGFS, CephFS, SMB — the run directories of most clusters) a
/// journal must use a rollback journal instead, with the filesystem's own locks.
public enum FileSystemKind: Equatable, Sendable {
  case local
  case network(String)

  /// `statfs` magic numbers of network and cluster filesystems (linux/magic.h and each
  /// filesystem's own headers).
  static let networkMagic: [Int: String] = [
    0x6969: "NFS", 0x0BD0_0BD0: "Lustre", 0x4750_4653: "GPFS", 0x1983_0326: "BeeGFS",
    0x00C3_6400: "CephFS", 0xFF53_4D42: "CIFS", 0xFE53_4D42: "SMB2", 0x517B: "SMB",
    0x6573_5546: "FUSE (sshfs, GlusterFS, …)", 0x0102_1997: "9P", 0xAAD7_AAEA: "PanFS",
  ]

  /// The kind of filesystem `path` (or its nearest existing parent) is on; `local` when it
  /// cannot tell.
  public static func of(_ path: String) -> FileSystemKind {
    var probe = URL(fileURLWithPath: path).standardizedFileURL.path
    while !FileManager.default.fileExists(atPath: probe) && probe != "/" {
      probe = URL(fileURLWithPath: probe).deletingLastPathComponent().path
    }
    let magic = orbit_filesystem_magic(probe)
    return magic < 0 ? .local : kind(magic: Int(magic))
  }

  static func kind(magic: Int) -> FileSystemKind {
    networkMagic[magic].map(FileSystemKind.network) ?? .local
  }

  /// The SQLite journal mode safe here: WAL on a local disk (readers never block the writer),
  /// a rollback journal on a network filesystem.
  public var journalMode: String {
    switch self {
    case .local: "WAL"
    case .network: "DELETE"
    }
  }
}
