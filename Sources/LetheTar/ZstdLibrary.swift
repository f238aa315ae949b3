import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few functions of libzstd a reused compression context needs, looked up at run time in
/// `libzstd.so.1` (the library libarchive itself compresses with; its development header is not
/// needed). Nil when the library cannot be found: writers then use libarchive's own zstd filter.
struct ZstdLibrary: @unchecked Sendable {
    typealias Create = @convention(c) () -> OpaquePointer?
    typealias SetParameter = @convention(c) (OpaquePointer?, Int32, Int32) -> Int
    typealias CompressStream = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32) -> Int
    typealias Reset = @convention(c) (OpaquePointer?, Int32) -> Int
    typealias IsError = @convention(c) (Int) -> UInt32
    typealias ErrorName = @convention(c) (Int) -> UnsafePointer<CChar>?

    let create: Create
    let setParameter: SetParameter
    let compressStream: CompressStream
    let reset: Reset
    let isError: IsError
    let errorName: ErrorName

    /// `ZSTD_c_compressionLevel`.
    static let compressionLevel: Int32 = 100
    /// `ZSTD_e_continue` and `ZSTD_e_end`.
    static let continueFrame: Int32 = 0, endFrame: Int32 = 2
    /// `ZSTD_reset_session_only`: a new frame, same parameters, tables kept for reuse.
    static let sessionOnly: Int32 = 1

    /// The library, once per process.
    static let shared: ZstdLibrary? = {
        guard let library = dlopen("libzstd.so.1", RTLD_NOW) else { return nil }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? {
            dlsym(library, name).map { unsafeBitCast($0, to: type) }
        }
        guard let create = symbol("ZSTD_createCCtx", Create.self),
              let setParameter = symbol("ZSTD_CCtx_setParameter", SetParameter.self),
              let compressStream = symbol("ZSTD_compressStream2", CompressStream.self),
              let reset = symbol("ZSTD_CCtx_reset", Reset.self),
              let isError = symbol("ZSTD_isError", IsError.self),
              let errorName = symbol("ZSTD_getErrorName", ErrorName.self) else { return nil }
        return ZstdLibrary(create: create, setParameter: setParameter, compressStream: compressStream, reset: reset,
                           isError: isError, errorName: errorName)
    }()

    /// Throws `TarError.compressor` when `code` is a zstd error.
    func check(_ code: Int, _ what: String) throws -> Int {
        guard isError(code) != 0 else { return code }
        let name = errorName(code).map { String(cString: $0) } ?? "error \(code)"
        throw TarError.compressor("\(what): \(name)")
    }
}
