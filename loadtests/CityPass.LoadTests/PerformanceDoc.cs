using System.Globalization;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// Keeps the "## Scan-verify under load" section of docs/performance.md current: replaces that
/// section only (up to the next "## " heading), and leaves the other sections as they are.
/// </summary>
public static class PerformanceDoc
{
    public const string Heading = "## Scan-verify under load";

    public static string Replace(string document, string section)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(section);
        var start = document.IndexOf("\n" + Heading + "\n", StringComparison.Ordinal);
        if (start < 0) return document.TrimEnd('\n') + "\n\n" + section.TrimEnd('\n') + "\n";
        var next = document.IndexOf("\n## ", start + Heading.Length + 1, StringComparison.Ordinal);
        var tail = next < 0 ? "" : document[next..];
        return document[..(start + 1)] + section.TrimEnd('\n') + "\n" + tail;
    }

    public static string Section(RunResults run, string resultsPath, string? analysis)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sb = new StringBuilder();
        sb.Append(Heading).Append("\n\n");
        sb.Append("`loadtests/run.sh` (C# runner in `loadtests/CityPass.LoadTests`, wrk scripts in `loadtests/wrk`) builds Release, starts its own ");
        sb.Append("redis-server and PostgreSQL cluster and the server with the production stores on loopback, seeds 100,000 citizens, 500 venues and ");
        sb.Append("2,000 gates through the API's bulk paths, mints a pool of passes, and measures: verify at maximum throughput (closed loop, ");
        sb.Append("connections swept) beside `GET /v1/ping` with the same wrk settings; fixed rates at 25/50/75% of that maximum; mixed traffic ");
        sb.Append("(90% scans, 9% pass refreshes, 1% status changes); redis-benchmark running the scan's Lua script on the same Redis; then it checks ");
        sb.Append("every answered (gate, scan id) against PostgreSQL, and profiles the server with dotnet-trace. See `loadtests/README.md`.\n\n");
        sb.Append("```sh\nloadtests/run.sh            # the full run, about 8 minutes\nloadtests/run.sh --soak     # plus a 10-minute soak at 50% of the maximum\n```\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Latest full run ({run.StartedAt:yyyy-MM-dd} on the 2-core development machine; report: [{resultsPath}/report.md]({resultsPath.Replace("loadtests/", "../loadtests/", StringComparison.Ordinal)}/report.md)):\n\n");
        sb.Append(ReportWriter.SummaryTables(run)).Append('\n');
        if (!string.IsNullOrWhiteSpace(analysis)) sb.Append("### What the run shows\n\n").Append(analysis.TrimEnd('\n')).Append('\n');
        return sb.ToString();
    }
}
