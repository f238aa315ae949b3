import ArgumentParser

/// `--skip-unreadable` of `backup` and `nightly`.
struct SkipUnreadableOption: ParsableArguments {
    @Flag(help: ArgumentHelp(
        "Back up every customer without the files and folders that cannot be read, instead of failing that customer.",
        discussion: "The skipped paths are listed in the archive's own (encrypted) manifest and on standard error; the ledger holds only their count. \"skip_unreadable\": true in lethe.json does the same for every run."))
    var skipUnreadable = false
}
