import Foundation
import LetheCore
import LethePolicy
import LetheS3

extension Doctor {
    /// The offsite store: set up when the policy keeps offsite copies (`offsite_store`), answering
    /// a real request with the home's credentials, its object lock as the policy asks
    /// (`offsite_lock`), its epoch witness no newer than the key store (`offsite_epoch`), and its
    /// ledger-head marker an event of this home's ledger (`store_marker`).
    func offsiteChecks(_ home: Home, policy: Policy?) -> [DoctorCheck] {
        let config = url.appendingPathComponent(Home.configurationFile).path
        guard let settings = home.configuration.offsite else {
            // As backup, nightly and the report: copies the policy asks for that are never made fail.
            guard policy?.missingOffsiteStore(hasOffsiteStore: false, configurationFile: config) != nil else {
                return [.ok("offsite_store", "none set up; the policy keeps no offsite copies")]
            }
            return [.fail("offsite_store", "the policy keeps offsite copies, but no offsite store is set up: none is ever made, "
                              + "and backup and nightly exit 2 until this is fixed",
                          fix: Policy.offsiteStoreRemedy(configurationFile: config))]
        }
        let store: any ObjectStore
        do {
            store = try home.store(for: .offsite)
            // A real request with the home's credentials: the bucket's (small) `lethe/` folder.
            _ = try store.list(prefix: "lethe/")
        } catch {
            return [.fail("offsite_store", "bucket \(settings.bucket) at \(settings.endpoint): \(error)",
                          fix: "check the endpoint, the bucket and the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                              + "`credentials_file`) in the environment lethe runs in; the copies wait as pending until it answers")]
        }
        var checks: [DoctorCheck] = [.ok("offsite_store", "bucket \(settings.bucket) at \(settings.endpoint) answers with these credentials")]
        // An invalid policy says nothing about the lock it asks for (its own check fails already).
        if let s3 = store as? S3ObjectStore, let policy { checks.append(lockCheck(s3, bucket: settings.bucket, asked: policy.tiers[.offsite]?.objectLock)) }
        checks.append(offsiteEpochCheck(store, keyStoreEpoch: home.keys.epoch))
        checks.append(markerCheck(.offsite(home)))
        return checks
    }

    /// The store's ledger-head marker is an event of this home's ledger (`store_marker`): else
    /// another copy of this home wrote there since, and every run that writes refuses.
    func markerCheck(_ marker: StoreHeadMarker) -> DoctorCheck {
        let reading: StoreHeadMarker.Reading
        do {
            reading = try marker.reading(of: marker.load())
        } catch {
            return .warn("store_marker", "the ledger-head marker \(marker.markerName) cannot be read: \(error)", fix: nil)
        }
        switch reading {
        case .absent:
            return .ok("store_marker", "no ledger-head marker in the \(marker.storeName) yet (the next run that writes records it)")
        case .unreadable:
            return .warn("store_marker", "\(marker.markerName) is not a ledger-head marker",
                         fix: "nothing to do: the next run that writes replaces it")
        case .ours(let event, let head):
            return .ok("store_marker", "the \(marker.storeName) was last written by this home (its marker is ledger event \(event); this home's ledger is at \(head))")
        case .diverged(let event, let head):
            return .fail("store_marker", "the \(marker.storeName) was last written by another copy of this home: its marker is ledger event "
                             + "\(event), which this home's ledger (at event \(head)) does not hold, so every run that writes refuses",
                         fix: marker.fix)
        }
    }

    /// The bucket locks what the policy asks to lock, and has no default retention of its own.
    func lockCheck(_ store: S3ObjectStore, bucket: String, asked mode: ObjectLockMode?) -> DoctorCheck {
        let lock: S3BucketObjectLock
        do {
            lock = try store.objectLockConfiguration()
        } catch {
            return .fail("offsite_lock", "the object-lock configuration of bucket \(bucket) cannot be read: \(error)", fix: nil)
        }
        if let mode, !lock.enabled {
            return .fail("offsite_lock", "the policy locks offsite copies (\(mode.rawValue)) but bucket \(bucket) has no object lock: every upload is refused",
                         fix: "enable object lock on the bucket (or use one created with it: `lethe init --offsite-create-bucket`), "
                             + "or set `object_lock: none` in the policy's offsite block")
        }
        if let rule = lock.defaultRetention {
            return .warn("offsite_lock", "bucket \(bucket) has a default retention (\(rule.mode), \(rule.period)): what lethe stores unlocked "
                             + "(the epoch witness lethe/newest-epoch, the ledger-head marker lethe/ledger-head) is locked too: "
                             + "neither can be replaced or its old versions deleted, so a copy of this home writing to this bucket goes unnoticed",
                         fix: "remove the bucket's default retention rule: lethe locks each copy itself until its delete-by")
        }
        if let mode { return .ok("offsite_lock", "bucket \(bucket) has object lock; copies are locked (\(mode.rawValue)) until their delete-by") }
        return .ok("offsite_lock", "the policy locks no offsite copy" + (lock.enabled ? " (bucket \(bucket) has object lock enabled)" : ""))
    }

    /// The offsite store's epoch witness is not newer than the key store: a key store older
    /// than a rotation the store witnessed predates a shred or an expiry.
    func offsiteEpochCheck(_ store: any ObjectStore, keyStoreEpoch: Int) -> DoctorCheck {
        let witnessed: Int?
        do {
            witnessed = try OffsiteEpochWitness.read(from: store)
        } catch {
            return .warn("offsite_epoch", "the offsite epoch witness \(OffsiteEpochWitness.key) cannot be read: \(error)", fix: nil)
        }
        guard let witnessed else {
            return .ok("offsite_epoch", "no epoch witnessed offsite yet (the next rotation records it)")
        }
        if witnessed > keyStoreEpoch {
            return .fail("offsite_epoch", "the key store is at epoch \(keyStoreEpoch), but the offsite store has seen epoch \(witnessed): "
                             + "it is older than the newest key store (restored from a backup taken before a shred or an expiry?)",
                         fix: "put back the current key store, or recover with the current escrow (`lethe keys recover`); do not run "
                             + "anything that writes until then")
        }
        return .ok("offsite_epoch", "the offsite store has seen epoch \(witnessed)"
                   + (witnessed < keyStoreEpoch ? " (the key store is at \(keyStoreEpoch): the next rotation records it)" : ", the key store's"))
    }
}
