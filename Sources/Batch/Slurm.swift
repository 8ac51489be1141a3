import Foundation
import MetadataModel
import RigMapperCore
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Slurm's commands (`sbatch`, `squeue`), found on `PATH` and run through swift-subprocess; their standard error is
/// kept for the messages.
public struct SlurmClient: Sendable {
    /// A client of the Slurm commands on `PATH` (with the process's environment: `SLURM_CONF` and the like).
    public init() {}

    /// What a command printed, and how it ended (`nil`: killed by a signal).
    public struct Output: Sendable {
        public var status: Int32?
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs `tool` with `arguments`.
    public func run(_ tool: String, _ arguments: [String]) async throws(DiagnosticError) -> Output {
        do {
            let result = try await Subprocess.run(.name(tool), arguments: Arguments(arguments), output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
            var status: Int32?
            if case .exited(let code) = result.terminationStatus { status = code }
            return Output(status: status, standardOutput: result.standardOutput, standardError: result.standardError)
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw DiagnosticError("\(tool) was not found on PATH: submit from a machine with Slurm's commands (a login node, or after `module load slurm`)")
        } catch {
            throw DiagnosticError("could not run \(tool): \(error)")
        }
    }

    /// Submits a job with `sbatch arguments` (which must include `--parsable`) and returns its id. A refusal is an
    /// error with what `sbatch` said.
    public func submit(_ arguments: [String]) async throws(DiagnosticError) -> String {
        let output = try await run("sbatch", arguments)
        let said = SlurmClient.oneLine(output.standardError)
        guard output.status == 0 else {
            throw DiagnosticError("sbatch refused the job (exit status \(output.status.map(String.init) ?? "signal")): \(said.isEmpty ? "it gave no reason" : said)")
        }
        // `--parsable` prints `id` or `id;cluster`.
        let first = output.standardOutput.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let id = String(first.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw DiagnosticError("sbatch accepted the job but printed no job id (standard output: '\(SlurmClient.oneLine(output.standardOutput))'\(said.isEmpty ? "" : ", standard error: '\(said)'"))")
        }
        return id
    }

    /// Which of `jobs` (job or array job ids) are still pending or running.
    public func active(_ jobs: [String]) async throws(DiagnosticError) -> Set<String> {
        guard !jobs.isEmpty else { return [] }
        let output = try await run("squeue", ["--noheader", "--format=%F", "--jobs=\(jobs.joined(separator: ","))"])
        guard output.status == 0 else {
            // Jobs that ended long ago are forgotten (MinJobAge): asked only about those, squeue says so.
            if output.standardError.contains("Invalid job id") { return [] }
            throw DiagnosticError("squeue failed: \(SlurmClient.oneLine(output.standardError))")
        }
        let listed = Set(output.standardOutput.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
        return Set(jobs).intersection(listed)
    }

    /// Returns once none of `jobs` is pending or running, asking `squeue` every `interval` (Slurm accounting is not
    /// needed). A few failed queries in a row (a controller restarting) are waited out.
    public func waitUntilEnded(_ jobs: [String], interval: Duration = .seconds(2)) async throws(DiagnosticError) {
        var failures = 0
        while true {
            do {
                if try await active(jobs).isEmpty { return }
                failures = 0
            } catch {
                failures += 1
                if failures >= 10 { throw error }
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                throw DiagnosticError("stopped waiting for jobs \(jobs.joined(separator: ", ")) (they go on; see squeue)")
            }
        }
    }

    /// A command's message on one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " / ")
    }
}

/// One submission of a ``ClusterBatch`` to Slurm: its scripts and record in `OUT_ROOT/.rigmap/`, the array job and
/// the final step.
public struct SlurmSubmission: Sendable {
    public var batch: ClusterBatch
    /// The user's `sbatch` options (`--slurm-option`), given to both jobs.
    public var options: [String]
    public var client: SlurmClient

    /// A submission of `batch`, with the user's `sbatch` `options`.
    public init(batch: ClusterBatch, options: [String], client: SlurmClient = SlurmClient()) {
        self.batch = batch
        self.options = options
        self.client = client
    }

    /// What was submitted.
    public struct Submitted: Sendable, Hashable {
        /// `n` of `batch-<n>.sbatch`.
        public var number: Int
        public var shards: [Int]
        public var arrayJob: String
        public var mergeJob: String
    }

    /// The job ids in the records of earlier submissions to this output folder, by submission number.
    public func earlierJobs() -> [(number: Int, jobs: [String])] {
        guard let names = try? FileSystem.names(in: batch.folder) else { return [] }
        var found: [(Int, [String])] = []
        for name in names where name.hasPrefix("batch-") && name.hasSuffix(".json") && !name.hasSuffix("-result.json") {
            guard let number = Int(name.dropFirst("batch-".count).dropLast(".json".count)),
                let record = try? JSONDocument.read(URL(fileURLWithPath: PathNames.appending(batch.folder, name)))
            else { continue }
            let jobs = ["array_job", "merge_job"].compactMap { record[$0]?.stringValue }
            found.append((number, jobs))
        }
        return found.sorted { $0.0 < $1.0 }
    }

    /// Refuses to go on while a job of an earlier submission to this output folder is pending or running: its tasks
    /// and the new ones would map the same sessions at once.
    public func checkNothingRunning() async throws(DiagnosticError) {
        let earlier = earlierJobs()
        let active = try await client.active(earlier.flatMap(\.jobs))
        guard !active.isEmpty else { return }
        let numbers = earlier.filter { !Set($0.jobs).isDisjoint(with: active) }.map { String($0.number) }
        let jobs = active.sorted().joined(separator: ",")
        throw DiagnosticError(
            "batch \(numbers.joined(separator: ", ")) of this output folder is still pending or running (job \(jobs)): wait for it (squeue --jobs=\(jobs)) or cancel it (scancel \(jobs.replacingOccurrences(of: ",", with: " "))) before submitting again",
            at: SourceLocation(file: batch.output))
    }

    /// Refuses an output folder whose file system has no `flock`: each session's output folder is locked while it is
    /// written, and without locks every session would fail (`cannot lock the output folder`) on the nodes.
    public static func checkLocking(_ folder: String) throws(DiagnosticError) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw DiagnosticError("cannot open the output folder: \(FileSystem.describe(errno: errno))", at: SourceLocation(file: folder))
        }
        defer { close(descriptor) }
        var result = flock(descriptor, LOCK_EX | LOCK_NB)
        while result != 0 && errno == EINTR { result = flock(descriptor, LOCK_EX | LOCK_NB) }
        if result == 0 {
            flock(descriptor, LOCK_UN)
            return
        }
        if errno == EWOULDBLOCK { return }  // held by someone else: locks work
        throw DiagnosticError(
            "the output folder's file system does not support file locks (flock: \(FileSystem.describe(errno: errno))): rigmap locks each session's output folder while writing it; put OUT_ROOT on a file system with locks (NFSv4, NFSv3 with lockd, Lustre mounted with -o flock, GPFS, BeeGFS)",
            at: SourceLocation(file: folder))
    }

    /// Writes the array job's script (a new `batch-<n>.sbatch`: an earlier one is never overwritten), removes the
    /// reports of `shards` (their tasks write them again: a shard left without one died), submits the array and then
    /// the final step, and records both job ids in `batch-<n>.json`.
    public func submit(shards: [Int]) async throws(DiagnosticError) -> Submitted {
        let folder = batch.folder
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DiagnosticError("cannot create the folder for the job scripts: \(error.localizedDescription)", at: SourceLocation(file: folder))
        }
        let number = try reserveNumber()
        try SlurmSubmission.write(batch.arrayScript(number, shards: shards, options: options), to: batch.arrayScriptPath(number))
        for index in shards {
            let report = BatchOptions(outputRoot: URL(fileURLWithPath: batch.output), shard: BatchShard(index: index, count: batch.shardCount)).reportURL
            if unlink(report.path) != 0 && errno != ENOENT {
                throw DiagnosticError("cannot remove the shard's earlier report: \(FileSystem.describe(errno: errno))", at: SourceLocation(file: report.path))
            }
        }
        let arrayJob: String
        do {
            arrayJob = try await client.submit(batch.arrayArguments(number, shards: shards, options: options))
        } catch {
            unlink(batch.arrayScriptPath(number))  // never submitted: no script left to mistake for one that was
            throw error
        }
        try record(number, shards: shards, arrayJob: arrayJob, mergeJob: nil)
        let mergeJob: String
        do {
            try SlurmSubmission.write(batch.mergeScript(number, arrayJob: arrayJob, options: options), to: batch.mergeScriptPath(number))
            mergeJob = try await client.submit(batch.mergeArguments(number, arrayJob: arrayJob, options: options))
        } catch {
            throw DiagnosticError(
                error.diagnostics
                    + [
                        Diagnostic(
                            .error,
                            "array job \(arrayJob) was submitted but not its final step: once it has ended, run \(Shell.commandLine([batch.rigmap, "batch-merge", batch.output, "--shards", String(batch.shardCount)]))")
                    ])
        }
        try record(number, shards: shards, arrayJob: arrayJob, mergeJob: mergeJob)
        return Submitted(number: number, shards: shards, arrayJob: arrayJob, mergeJob: mergeJob)
    }

    /// What the final step of a submission found (`batch-<n>-result.json`): its exit status and summary, or `nil` if
    /// it wrote none (it did not run, or died).
    public func result(_ number: Int) -> (status: Int32, summary: String)? {
        guard let value = try? JSONDocument.read(URL(fileURLWithPath: batch.resultPath(number))),
            let code = value["exit_status"]?.numberValue?.intValue, let status = Int32(exactly: code)
        else { return nil }
        return (status, value["summary"]?.stringValue ?? "")
    }

    /// The first `n` with no `batch-<n>.sbatch` yet, taken by creating that file exclusively.
    private func reserveNumber() throws(DiagnosticError) -> Int {
        let names = (try? FileSystem.names(in: batch.folder)) ?? []
        // Numbers far beyond any real count of submissions (a file named by hand) are ignored.
        var number = 1 + names.compactMap { name -> Int? in
            guard name.hasPrefix("batch-"), name.hasSuffix(".sbatch"), !name.hasSuffix("-merge.sbatch") else { return nil }
            return Int(name.dropFirst("batch-".count).dropLast(".sbatch".count)).flatMap { $0 >= 0 && $0 < 1_000_000_000 ? $0 : nil }
        }.reduce(0, max)
        while number < 2_000_000_000 {
            let descriptor = open(batch.arrayScriptPath(number), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 {
                close(descriptor)
                return number
            }
            guard errno == EEXIST else {
                throw DiagnosticError("cannot create the job script: \(FileSystem.describe(errno: errno))", at: SourceLocation(file: batch.arrayScriptPath(number)))
            }
            number += 1
        }
        throw DiagnosticError("cannot find a free number for the job script", at: SourceLocation(file: batch.folder))
    }

    /// `batch-<n>.json`: what was submitted, for `--resume`, for the check that nothing is still running, and for a user.
    private func record(_ number: Int, shards: [Int], arrayJob: String, mergeJob: String?) throws(DiagnosticError) {
        var object: JSONObject = [
            "batch": .int(number), "shards": .int(batch.shardCount), "array": .string(ClusterBatch.arrayList(shards)), "array_job": .string(arrayJob),
            "array_script": .string(batch.arrayScriptPath(number)),
        ]
        if let mergeJob {
            object["merge_job"] = .string(mergeJob)
            object["merge_script"] = .string(batch.mergeScriptPath(number))
            object["result"] = .string(batch.resultPath(number))
        }
        try JSONDocument.writeAtomically([(URL(fileURLWithPath: batch.recordPath(number)), JSONWriter.referenceBytes(.object(object), indent: 2))])
    }

    /// Writes a script (readable and executable by everyone, as sbatch copies it).
    static func write(_ text: String, to path: String) throws(DiagnosticError) {
        do {
            try FileSystem.write(Array(text.utf8), to: path)
        } catch {
            throw DiagnosticError("cannot write the job script: \(error.reason)", at: SourceLocation(file: path))
        }
        chmod(path, 0o755)
    }
}
