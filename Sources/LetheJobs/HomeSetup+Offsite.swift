import Foundation
import LetheCore
import LethePolicy
import LetheS3

extension HomeSetup {
    /// Checks the offsite store `init` was given, with real requests, before the home is put in
    /// place: the credentials are there and accepted, the store answers, the bucket exists (or
    /// is created when `createBucket`, and then remembered in `rollback`), and object lock is on
    /// when the policy locks offsite copies.
    ///
    /// - Throws: `invalidConfiguration` (exit 64) when credentials are missing or the settings
    ///   are not usable; `JobError.failed` (exit 1) naming what the store answered and what to
    ///   do, for a refusal, an unreachable store, a missing bucket or one without object lock.
    static func checkOffsite(_ settings: OffsiteSettings, policy: Policy, createBucket: Bool, rollback: InitRollback) throws {
        let lockMode = policy.tiers[.offsite]?.objectLock
        let store = try Home.makeOffsiteStore(settings, lockMode: lockMode)
        let bucket = "bucket \(settings.bucket) at \(settings.endpoint)"
        do {
            if try !store.bucketExists() {
                guard createBucket else {
                    throw JobError.failed("the offsite \(bucket) does not exist: create it\(lockMode == nil ? "" : " with object lock enabled"), "
                        + "or pass --offsite-create-bucket to have init create it; nothing was created")
                }
                try store.createBucket(objectLock: lockMode != nil)
                rollback.created(bucket: store)
            }
            if let lockMode, try !store.objectLockConfiguration().enabled {
                throw JobError.failed("the offsite \(bucket) does not have object lock enabled, but the policy \(policy.sourceFile) locks offsite copies "
                    + "(object_lock: \(lockMode.rawValue)); object lock can only be enabled when a bucket is created: use a bucket created with it "
                    + "(or --offsite-create-bucket with a new name), or drop object_lock from the policy; nothing was created")
            }
        } catch let error as ObjectStoreError {
            throw JobError.failed("the offsite \(bucket) failed init's check: \(error). Fix the endpoint, the credentials "
                + "(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or --offsite-credentials-file) or the bucket, then run init again; nothing was created")
        }
    }
}
