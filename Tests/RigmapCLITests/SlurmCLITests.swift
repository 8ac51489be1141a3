import Foundation
import Testing

/// `rigmap batch --scheduler slurm` as a user runs it, against stand-ins for `sbatch` and `squeue` (shell scripts on
/// PATH that run each job at once, in the foreground). A real Slurm is `Scripts/test-slurm`'s.
@Suite(.serialized) struct SlurmCLITests {
    /// A folder with fake `sbatch` and `squeue`, and where they keep what they were asked.
    struct FakeSlurm {
        let folder: URL
        var bin: URL { folder.appendingPathComponent("bin") }

        init() throws {
            folder = temporaryFolder()
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("bin"), withIntermediateDirectories: true)
            // sbatch: logs its arguments, copies the script as submitted, runs it (every index of --array, with
            // SLURM_ARRAY_TASK_ID; FAKE_SLURM_KILL skips one, as if its task had been cancelled) into --output, and
            // prints a job id from 101 on. FAKE_SBATCH_REFUSE makes it refuse as sbatch does.
            let sbatch = """
                #!/bin/bash
                set -u
                dir=$FAKE_SLURM_DIR
                if [ -n "${FAKE_SBATCH_REFUSE:-}" ]; then
                  echo "sbatch: error: $FAKE_SBATCH_REFUSE" >&2
                  echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2
                  exit 1
                fi
                printf '%s\\n' "$*" >> "$dir/sbatch.log"
                array=""; output=""; script=""
                for argument in "$@"; do
                  case $argument in
                    --array=*) array=${argument#--array=} ;;
                    --output=*) output=${argument#--output=} ;;
                  esac
                  script=$argument
                done
                id=$(( $(cat "$dir/next" 2>/dev/null || echo 100) + 1 ))
                echo "$id" > "$dir/next"
                cp "$script" "$dir/job-$id.script"
                if [ -n "$array" ]; then
                  IFS=, read -ra parts <<< "$array"
                  for part in "${parts[@]}"; do
                    for index in $(seq "${part%-*}" "${part#*-}"); do
                      [ "$index" = "${FAKE_SLURM_KILL:-none}" ] && continue
                      SLURM_ARRAY_JOB_ID=$id SLURM_ARRAY_TASK_ID=$index bash "$script" > "${output//%a/$index}" 2>&1 || true
                    done
                  done
                else
                  bash "$script" > "$output" 2>&1 || true
                fi
                echo "$id"

                """
            // squeue: the jobs FAKE_SQUEUE_ACTIVE names are still running; every other one has ended.
            let squeue = """
                #!/bin/bash
                printf '%s\\n' "$*" >> "$FAKE_SLURM_DIR/squeue.log"
                [ -n "${FAKE_SQUEUE_ACTIVE:-}" ] && echo "$FAKE_SQUEUE_ACTIVE" | tr ',' '\\n'
                exit 0

                """
            for (name, text) in [("sbatch", sbatch), ("squeue", squeue)] {
                let url = folder.appendingPathComponent("bin/\(name)")
                try text.write(to: url, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            }
        }

        func environment(_ extra: [String: String] = [:]) -> [String: String] {
            var environment = ["PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "FAKE_SLURM_DIR": folder.path]
            for (key, value) in extra { environment[key] = value }
            return environment
        }

        var submissions: [String] {
            ((try? String(contentsOf: folder.appendingPathComponent("sbatch.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func script(_ id: Int) throws -> String { try String(contentsOf: folder.appendingPathComponent("job-\(id).script"), encoding: .utf8) }
    }

    /// The catalog's rows but for when each was recorded, with `out` written OUT.
    static func rows(_ out: URL) throws -> String {
        try rigmap(["catalog", out.path, "--json"]).stdout.replacingOccurrences(of: out.path, with: "OUT").split(separator: "\n")
            .filter { !$0.contains("\"recorded_at\"") }.joined(separator: "\n")
    }

    @Test func aSubmittedBatchWaitsMergesAndResumes() throws {
        let slurm = try FakeSlurm()
        let (base, root, job) = try BatchCLITests.sessions(7)
        let out = base.appendingPathComponent("out")
        let arguments = ["batch", root.path, "--job", job.path, "--output", out.path, "--scheduler", "slurm", "--shards", "3"]
        let first = try rigmap(arguments + ["--wait", "--slurm-option=--partition=short", "--slurm-option", "--account=lab"], environment: slurm.environment())
        #expect(first.status == 3, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("array job 101: shards 0-2") && first.stdout.contains("final step job 102: after job 101"), "\(first.stdout)")
        #expect(first.stdout.contains("ok                     6") && first.stdout.contains("refused                1"), "\(first.stdout)")
        let submitted = slurm.submissions
        #expect(submitted.count == 2)
        #expect(submitted.first?.hasPrefix("--parsable --array=0-2 --job-name=rigmap-batch --output=\(out.path)/.rigmap/batch-1-shard-%a.log") == true)
        #expect(submitted.first?.hasSuffix("--partition=short --account=lab \(out.path)/.rigmap/batch-1.sbatch") == true)
        #expect(submitted.last?.hasPrefix("--parsable --dependency=afterany:101 ") == true)
        // The scripts in OUT/.rigmap are those sbatch was given; the record names the jobs.
        let script = try String(contentsOf: out.appendingPathComponent(".rigmap/batch-1.sbatch"), encoding: .utf8)
        #expect(try slurm.script(101) == script && script.contains("--shard auto"))
        #expect(try slurm.script(102) == String(contentsOf: out.appendingPathComponent(".rigmap/batch-1-merge.sbatch"), encoding: .utf8))
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(".rigmap/batch-1.json"))) as? [String: Any]
        #expect(record?["array_job"] as? String == "101" && record?["merge_job"] as? String == "102" && record?["shards"] as? Int == 3)

        // The same catalog as a batch run here, and every session's files.
        let local = base.appendingPathComponent("local")
        #expect(try rigmap(["batch", root.path, "--job", job.path, "--output", local.path]).status == 3)
        let clusterRows = try SlurmCLITests.rows(out)
        let localRows = try SlurmCLITests.rows(local)
        #expect(clusterRows.contains("s006") && clusterRows == localRows)
        // Every session's files, with the output folder's path (in gather_report.json) written OUT.
        let sessionFiles = { (folder: URL) in
            BatchCLITests.outputs(folder).filter { $0.key.hasPrefix("s0") }.mapValues { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: folder.path, with: "OUT") }
        }
        #expect(sessionFiles(out).count > 12 && sessionFiles(out) == sessionFiles(local))

        // Nothing left to do: --resume merges here and submits nothing.
        let again = try rigmap(arguments + ["--resume", "--wait"], environment: slurm.environment())
        #expect(again.status == 3 && again.stderr.contains("every shard of 3 finished; merging them here"), "\(again.stderr)")
        #expect(slurm.submissions.count == 2 && !FileManager.default.fileExists(atPath: out.appendingPathComponent(".rigmap/batch-2.sbatch").path))

        // A shard whose report is gone runs again, alone, from a new script; the first one is kept as it was.
        try FileManager.default.removeItem(at: out.appendingPathComponent("batch_report-shard-1-of-3.json"))
        let resumed = try rigmap(arguments + ["--resume", "--wait"], environment: slurm.environment())
        #expect(resumed.status == 3, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resume: shard 1 of 3 runs again: it left no report") && resumed.stderr.contains("submitting 1\n"), "\(resumed.stderr)")
        #expect(slurm.submissions.count == 4 && slurm.submissions[2].hasPrefix("--parsable --array=1 "))
        #expect(try String(contentsOf: out.appendingPathComponent(".rigmap/batch-1.sbatch"), encoding: .utf8) == script)
        #expect(try slurm.script(103) == String(contentsOf: out.appendingPathComponent(".rigmap/batch-2.sbatch"), encoding: .utf8))
        // Its task skipped the sessions its catalog shows done.
        let log = try String(contentsOf: out.appendingPathComponent(".rigmap/batch-2-shard-1.log"), encoding: .utf8)
        #expect(log.contains("shard 1 of 3 (SLURM_ARRAY_TASK_ID=1, RIGMAP_SHARD_COUNT=3)") && log.contains("nothing to map"), "\(log)")
    }

    @Test func aTaskThatDiesLeavesTheBatchIncompleteUntilResumed() throws {
        let slurm = try FakeSlurm()
        let (base, root, job) = try BatchCLITests.sessions(8)
        let out = base.appendingPathComponent("out")
        let arguments = ["batch", root.path, "--job", job.path, "--output", out.path, "--scheduler", "slurm", "--shards", "4", "--wait"]
        let killed = try rigmap(arguments, environment: slurm.environment(["FAKE_SLURM_KILL": "2"]))
        #expect(killed.status == 1, "\(killed.stdout)\n\(killed.stderr)")
        #expect(killed.stdout.contains("shard 2 of 4 left no report"), "\(killed.stdout)")
        let listed = try rigmap(["catalog", out.path]).stdout
        #expect(!listed.contains("s002") && !listed.contains("s006") && listed.contains("s001"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("batch_report.json"))) as? [String: Any]
        #expect(report?["unfinished_shards"] as? [Int] == [2])

        let resumed = try rigmap(arguments + ["--resume"], environment: slurm.environment())
        #expect(resumed.status == 3, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("shard 2 of 4 runs again: 2 of its 2 sessions not done (s002, s006); it left no report"), "\(resumed.stderr)")
        #expect(slurm.submissions.count == 4 && slurm.submissions[2].contains("--array=2 "))
        #expect(try rigmap(["catalog", out.path]).stdout.split(separator: "\n").count == 8)
    }

    @Test func refusalsAndMisuse() throws {
        let slurm = try FakeSlurm()
        let (base, root, job) = try BatchCLITests.sessions(3)
        let out = base.appendingPathComponent("out")
        let arguments = ["batch", root.path, "--job", job.path, "--output", out.path, "--scheduler", "slurm", "--shards", "2"]

        let refused = try rigmap(arguments + ["--slurm-option=--partition=nope"], environment: slurm.environment(["FAKE_SBATCH_REFUSE": "invalid partition specified: nope"]))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("sbatch refused the job (exit status 1): sbatch: error: invalid partition specified: nope"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(".rigmap/batch-1.json").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(".rigmap/batch-1.sbatch").path))

        let noSlurm = try rigmap(arguments, environment: ["PATH": base.path])
        #expect(noSlurm.status == 1 && noSlurm.stderr.contains("sbatch was not found on PATH"), "\(noSlurm.stderr)")

        // Submitted without --wait: the ids, exit 0. While its jobs run, another submission to the folder is refused.
        let submitted = try rigmap(arguments, environment: slurm.environment())
        #expect(submitted.status == 0 && submitted.stdout.contains("array job 101") && !submitted.stdout.contains("status"), "\(submitted.stderr)")
        let busy = try rigmap(arguments + ["--resume"], environment: slurm.environment(["FAKE_SQUEUE_ACTIVE": "102"]))
        #expect(busy.status == 1 && busy.stderr.contains("is still pending or running (job 102)"), "\(busy.stderr)")
        #expect(slurm.submissions.count == 2)

        for (extra, message) in [
            (["--scheduler", "pbs", "--shards", "2"], "--scheduler must be slurm"),
            (["--scheduler", "slurm"], "needs --shards N"),
            (["--shards", "2"], "--shards needs --scheduler slurm"),
            (["--wait"], "--wait needs --scheduler slurm"),
            (["--resume"], "--resume needs --scheduler slurm"),
            (["--scheduler", "slurm", "--shards", "0"], "--shards must be between 1"),
            (["--scheduler", "slurm", "--shards", "2", "--slurm-option=--array=0-9"], "rigmap sets --array itself"),
            (["--scheduler", "slurm", "--shards", "2", "--shard", "1/2"], "--shard is what each task runs"),
            (["--scheduler", "slurm", "--shards", "2", "--json"], "--json is for a batch run here"),
        ] {
            let result = try rigmap(["batch", root.path, "--output", base.appendingPathComponent("o").path] + extra, environment: slurm.environment())
            #expect(result.status == 2 && result.stderr.contains(message), "\(extra): \(result.stderr)")
        }
        let merge = try rigmap(["batch-merge", base.appendingPathComponent("nowhere").path, "--shards", "2"])
        #expect(merge.status == 2 && merge.stderr.contains("not a batch's output folder"))
        let help = try rigmap(["batch", "--help"])
        #expect(help.stdout.contains("--scheduler") && help.stdout.contains("--resume"))
    }
}
