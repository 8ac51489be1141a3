import Foundation
import MetadataModel
import RigMapperCore

/// A batch run as an array job on a cluster scheduler: one task per shard (each `rigmap batch … --shard auto`), then a
/// final step that merges the shards' catalogs and reports (`rigmap batch-merge`). What `rigmap batch --scheduler
/// slurm` writes into `OUT_ROOT/.rigmap/` and submits.
///
/// Every path is absolute, so the scripts run the same from any folder on any node that mounts them; the tasks run
/// this very rigmap binary.
public struct ClusterBatch: Sendable, Hashable {
    /// Where the sessions are listed.
    public enum Sessions: Sendable, Hashable {
        /// Every folder directly under this one.
        case root(String)
        /// The lines of this manifest.
        case manifest(String)
    }

    /// The rigmap binary the tasks run (absolute).
    public var rigmap: String
    public var sessions: Sessions
    /// `OUT_ROOT` (absolute).
    public var output: String
    /// `--job` (absolute).
    public var job: String?
    /// `--config` (absolute).
    public var config: String?
    /// `--jobs` of every task; `nil`: the task's `SLURM_CPUS_PER_TASK`, else every core of its node.
    public var jobs: Int?
    /// `--session-timeout`, seconds.
    public var sessionTimeout: Double
    /// `--session-memory`, MiB.
    public var sessionMemoryMiB: Int
    /// `--force`.
    public var force: Bool
    /// N: the number of shards (array tasks `0…N-1`).
    public var shardCount: Int
    /// The rigmap release that wrote the scripts (named in their first lines).
    public var rigmapVersion: String

    /// A batch of `shardCount` shards; paths must be absolute (see ``check()``).
    public init(
        rigmap: String, sessions: Sessions, output: String, job: String? = nil, config: String? = nil, jobs: Int? = nil, sessionTimeout: Double = SessionLimits().seconds,
        sessionMemoryMiB: Int = SessionLimits().memoryBytes >> 20, force: Bool = false, shardCount: Int, rigmapVersion: String
    ) {
        self.rigmap = rigmap
        self.sessions = sessions
        self.output = output
        self.job = job
        self.config = config
        self.jobs = jobs
        self.sessionTimeout = sessionTimeout
        self.sessionMemoryMiB = sessionMemoryMiB
        self.force = force
        self.shardCount = shardCount
        self.rigmapVersion = rigmapVersion
    }

    /// `OUT_ROOT/.rigmap`: the scripts, logs and records of every submission.
    public var folder: String { PathNames.appending(output, ClusterBatch.folderName) }
    /// The name of that folder in `OUT_ROOT` (a session may not have it: see ``BatchOptions/isReserved(_:)``).
    public static let folderName = ".rigmap"

    /// `OUT_ROOT/.rigmap/batch-<number>.sbatch`: the array job's script.
    public func arrayScriptPath(_ number: Int) -> String { PathNames.appending(folder, "batch-\(number).sbatch") }
    /// `OUT_ROOT/.rigmap/batch-<number>-merge.sbatch`: the final step's script.
    public func mergeScriptPath(_ number: Int) -> String { PathNames.appending(folder, "batch-\(number)-merge.sbatch") }
    /// `OUT_ROOT/.rigmap/batch-<number>.json`: what was submitted (the job ids).
    public func recordPath(_ number: Int) -> String { PathNames.appending(folder, "batch-\(number).json") }
    /// `OUT_ROOT/.rigmap/batch-<number>-result.json`: what the final step found (written by `rigmap batch-merge --result`).
    public func resultPath(_ number: Int) -> String { PathNames.appending(folder, "batch-\(number)-result.json") }
    /// The log of shard `index` (Slurm's `%a` in the array's `--output`), and of the final step.
    public func shardLogPath(_ number: Int, index: String) -> String { PathNames.appending(folder, "batch-\(number)-shard-\(index).log") }
    public func mergeLogPath(_ number: Int) -> String { PathNames.appending(folder, "batch-\(number)-merge.log") }

    /// The command every task runs, as shell words (`--jobs` from `SLURM_CPUS_PER_TASK` unless given).
    public var taskCommand: [String] {
        var words = [Shell.quoted(rigmap), "batch"]
        switch sessions {
        case .root(let root): words.append(Shell.quoted(root))
        case .manifest(let manifest): words += ["--manifest", Shell.quoted(manifest)]
        }
        words += ["--output", Shell.quoted(output)]
        if let job { words += ["--job", Shell.quoted(job)] }
        if let config { words += ["--config", Shell.quoted(config)] }
        // Without --jobs, the task's SLURM_CPUS_PER_TASK when Slurm sets it; else no --jobs (every core of the node).
        words += ["--shard", "auto"] + (jobs.map { ["--jobs", String($0)] } ?? ["${SLURM_CPUS_PER_TASK:+--jobs \"$SLURM_CPUS_PER_TASK\"}"])
        words += ["--session-timeout", ClusterBatch.seconds(sessionTimeout), "--session-memory", String(sessionMemoryMiB)]
        if force { words.append("--force") }
        return words
    }

    /// The final step's command: `rigmap batch-merge OUT_ROOT --shards N --result …`.
    public func mergeCommand(_ number: Int) -> [String] {
        [Shell.quoted(rigmap), "batch-merge", Shell.quoted(output), "--shards", String(shardCount), "--result", Shell.quoted(resultPath(number))]
    }

    /// `sbatch`'s arguments for the array of `shards` (the script's path last): `--parsable`, the array, the job's name,
    /// its logs and working folder, then the user's `options`.
    public func arrayArguments(_ number: Int, shards: [Int], options: [String]) -> [String] {
        [
            "--parsable", "--array=\(ClusterBatch.arrayList(shards))", "--job-name=rigmap-batch",
            "--output=\(Shell.slurmFilename(folder))/batch-\(number)-shard-%a.log", "--chdir=\(output)",
        ] + options + [arrayScriptPath(number)]
    }

    /// `sbatch`'s arguments for the final step, run once array job `arrayJob` has ended (however its tasks ended).
    public func mergeArguments(_ number: Int, arrayJob: String, options: [String]) -> [String] {
        [
            "--parsable", "--dependency=afterany:\(arrayJob)", "--job-name=rigmap-batch-merge",
            "--output=\(Shell.slurmFilename(folder))/batch-\(number)-merge.log", "--chdir=\(output)",
        ] + options + [mergeScriptPath(number)]
    }

    /// The array job's script: readable, and runnable again by hand (`sbatch --array=1,3 <script>` maps shards 1 and 3:
    /// it sets `RIGMAP_SHARD_COUNT`, so the array's indices are the shards').
    public func arrayScript(_ number: Int, shards: [Int], options: [String]) -> String {
        let submitted = Shell.commandLine(["sbatch"] + arrayArguments(number, shards: shards, options: options))
        let command = Shell.wrapped(taskCommand, indent: "  ")
        return """
            #!/bin/bash
            # rigmap \(rigmapVersion): batch \(number) of \(output) on Slurm, one array task per shard (\(shardCount) in all).
            # Each task maps its slice of the sessions into OUT_ROOT/<session>/ with its own catalog
            # (shard-I-of-\(shardCount).sqlite) and report (batch_report-shard-I-of-\(shardCount).json); --shard auto takes the
            # shard's index from SLURM_ARRAY_TASK_ID and the number of shards from RIGMAP_SHARD_COUNT. The final step,
            # batch-\(number)-merge.sbatch, merges them into rigmap-catalog.sqlite and batch_report.json.
            # Submitted as:
            #   \(submitted)
            # Run some shards again by hand with: sbatch --array=\(shardCount > 1 ? "0,\(shardCount - 1)" : "0") \(Shell.quoted(arrayScriptPath(number)))
            export RIGMAP_SHARD_COUNT=\(shardCount)
            status=0
            \(command) || status=$?
            # 3: some sessions failed. The shard finished (its report and catalog say which), so the task succeeds.
            if [ "$status" -eq 3 ]; then exit 0; fi
            exit "$status"

            """
    }

    /// The final step's script.
    public func mergeScript(_ number: Int, arrayJob: String, options: [String]) -> String {
        let submitted = Shell.commandLine(["sbatch"] + mergeArguments(number, arrayJob: arrayJob, options: options))
        return """
            #!/bin/bash
            # rigmap \(rigmapVersion): the final step of batch \(number) of \(output) on Slurm, run once array job
            # \(arrayJob) has ended (afterany: also when some of its tasks failed or were cancelled). It merges the shards'
            # catalogs into rigmap-catalog.sqlite and their reports into batch_report.json, names every shard that left
            # no report (its task died), and exits as a batch does: 0 every session ok, 3 some failed, 1 none ok or a
            # shard missing.
            # Submitted as:
            #   \(submitted)
            exec \(Shell.wrapped(mergeCommand(number), indent: "  "))

            """
    }

    /// `0-3`, `1,3`, `0-2,5`: Slurm's `--array` list of `indices`.
    public static func arrayList(_ indices: [Int]) -> String {
        var parts: [String] = []
        var pending = Set(indices).sorted()[...]
        while let first = pending.popFirst() {
            var last = first
            while let next = pending.first, next == last + 1 {
                last = next
                pending.removeFirst()
            }
            parts.append(last == first ? String(first) : "\(first)-\(last)")
        }
        return parts.joined(separator: ",")
    }

    /// Seconds as the command line takes them: `600`, `0.5`.
    static func seconds(_ value: Double) -> String {
        if value == value.rounded(), let whole = Int(exactly: value) { return String(whole) }
        return String(value)
    }

    /// Refuses paths that cannot be written into a script line as they are (a newline, a tab or another control
    /// character) and a number of shards below 1.
    public func check() throws(DiagnosticError) {
        guard shardCount >= 1 else { throw DiagnosticError("--shards must be at least 1 (found \(shardCount))") }
        var paths = [("rigmap", rigmap), ("--output", output)]
        switch sessions {
        case .root(let root): paths.append(("ROOT", root))
        case .manifest(let manifest): paths.append(("--manifest", manifest))
        }
        if let job { paths.append(("--job", job)) }
        if let config { paths.append(("--config", config)) }
        for (what, path) in paths where path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw DiagnosticError("\(what): a path with a control character (a newline, a tab…) cannot go into a job script; rename it", at: SourceLocation(file: path))
        }
    }

    /// `sbatch` options that would break the submission (rigmap sets them itself).
    public static func forbiddenOption(_ option: String) -> String? {
        for name in ["--array", "--dependency", "--parsable", "--wait", "--wrap"] where option == name || option.hasPrefix(name + "=") {
            return name
        }
        for name in ["-a", "-d", "-W"] where option.hasPrefix(name) {
            return name
        }
        return nil
    }
}

/// Shell words for the generated scripts.
public enum Shell {
    /// `word` as one shell word: as it is when it needs no quoting, else in single quotes.
    public static func quoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%^")
        if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A command line of arguments, quoted where needed.
    public static func commandLine(_ arguments: [String]) -> String {
        arguments.map(quoted).joined(separator: " ")
    }

    /// Words (already quoted) on lines of at most about 110 characters, continued with ` \`.
    static func wrapped(_ words: [String], indent: String) -> String {
        var lines: [String] = []
        var line = ""
        for word in words {
            if !line.isEmpty, line.count + 1 + word.count > 110 {
                lines.append(line + " \\")
                line = indent + word
            } else {
                line += line.isEmpty ? word : " " + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// A path in a Slurm `--output` pattern: `%` written `%%` (Slurm reads `%a`, `%j`… there).
    static func slurmFilename(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%%")
    }
}
