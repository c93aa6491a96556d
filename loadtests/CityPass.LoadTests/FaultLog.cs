using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>
/// One answer as scans.lua logged it. <see cref="Key"/> is null for an answer that carried no scan id (a
/// ProblemDetails: 503 store_unavailable, ...), whose <see cref="Code"/> is then the problem's code and whose
/// latency is unknown (-1). Times are ms on the monotonic clock the runner shares (<see cref="MonotonicClock"/>).
/// </summary>
public readonly record struct ScanAnswer(long AtMs, int Status, string Code, int LatencyMicros, ScanKey? Key);

/// <summary>Slots of a fixed-rate schedule that were skipped because it had fallen too far behind (no connection, a stalled server).</summary>
public readonly record struct SkippedSlots(long Count, long FromMs, long ToMs);

/// <summary>A new scan when it was sent (scans.lua with CP_LOG_SENT=1).</summary>
public readonly record struct SentScan(ScanKey Key, long AtMs);

/// <summary>
/// Everything the fault run's wrk wrote: per thread, a line per answer and per skip (<c>PREFIX-N.log</c>) and a
/// line per scan sent (<c>PREFIX-N.sent</c>). Retries are not part of the fault run, so every scan id is sent once.
/// </summary>
public sealed record FaultLog(IReadOnlyList<ScanAnswer> Answers, IReadOnlyList<SkippedSlots> Skips, IReadOnlyList<SentScan> Sent)
{
    public static FaultLog Read(string logPrefix)
    {
        var directory = Path.GetDirectoryName(logPrefix)!;
        var name = Path.GetFileName(logPrefix);
        var answers = new List<ScanAnswer>();
        var skips = new List<SkippedSlots>();
        var sent = new List<SentScan>();
        // The few distinct codes, shared rather than a string per line (a run logs millions).
        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(directory, name + "-*.log"))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (TryParseSkip(line, out var skip)) skips.Add(skip);
                else if (TryParseAnswer(line, out var answer)) answers.Add(answer with { Code = Shared(codes, answer.Code) });
            }
        }
        foreach (var file in Directory.GetFiles(directory, name + "-*.sent"))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (TryParseSent(line, out var s)) sent.Add(s);
            }
        }
        answers.Sort((a, b) => a.AtMs.CompareTo(b.AtMs));
        return new FaultLog(answers, skips, sent);
    }

    private static string Shared(Dictionary<string, string> codes, string code)
    {
        if (codes.TryGetValue(code, out var shared)) return shared;
        codes[code] = code;
        return code;
    }

    /// <summary>"scanId status latencyUs code dup retry timeMs gateId"; "-" for the scan and gate ids of an answer that carried none.</summary>
    public static bool TryParseAnswer(string line, out ScanAnswer answer)
    {
        answer = default;
        var f = line.Split(' ');
        if (f.Length < 8
            || !int.TryParse(f[1], CultureInfo.InvariantCulture, out var status)
            || !int.TryParse(f[2], CultureInfo.InvariantCulture, out var latency)
            || !long.TryParse(f[6], CultureInfo.InvariantCulture, out var at))
        {
            return false;
        }
        ScanKey? key = Guid.TryParse(f[0], CultureInfo.InvariantCulture, out var scan) && Guid.TryParse(f[7], CultureInfo.InvariantCulture, out var gate)
            ? new ScanKey(gate, scan)
            : null;
        answer = new ScanAnswer(at, status, f[3], latency, key);
        return true;
    }

    /// <summary>"~ count fromMs toMs".</summary>
    public static bool TryParseSkip(string line, out SkippedSlots skip)
    {
        skip = default;
        var f = line.Split(' ');
        if (f.Length != 4 || f[0] != "~"
            || !long.TryParse(f[1], CultureInfo.InvariantCulture, out var count)
            || !long.TryParse(f[2], CultureInfo.InvariantCulture, out var from)
            || !long.TryParse(f[3], CultureInfo.InvariantCulture, out var to))
        {
            return false;
        }
        skip = new SkippedSlots(count, from, to);
        return true;
    }

    /// <summary>"scanId gateId timeMs".</summary>
    public static bool TryParseSent(string line, out SentScan sent)
    {
        sent = default;
        var f = line.Split(' ');
        if (f.Length != 3
            || !Guid.TryParse(f[0], CultureInfo.InvariantCulture, out var scan)
            || !Guid.TryParse(f[1], CultureInfo.InvariantCulture, out var gate)
            || !long.TryParse(f[2], CultureInfo.InvariantCulture, out var at))
        {
            return false;
        }
        sent = new SentScan(new ScanKey(gate, scan), at);
        return true;
    }
}
