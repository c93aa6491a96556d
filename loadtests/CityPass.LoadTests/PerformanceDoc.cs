using System.Globalization;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// Keeps the runner's sections of docs/performance.md current ("## Scan-verify under load", the A/B
/// comparison's, the grain run's): each run replaces its own section only (up to the next "## "
/// heading), and leaves the other sections as they are.
/// </summary>
public static class PerformanceDoc
{
    public const string Heading = "## Scan-verify under load";

    /// <summary>The A/B comparison's section (<c>--ab</c>).</summary>
    public const string AbHeading = "## Scan path A/B";

    /// <summary>The grain run's section (<c>--grains</c>).</summary>
    public const string GrainsHeading = "## Citizen grains under load";

    public static string Replace(string document, string section) => Replace(document, Heading, section);

    /// <summary>Replaces the section under <paramref name="heading"/> (up to the next "## "), or appends it.</summary>
    public static string Replace(string document, string heading, string section)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(heading);
        ArgumentNullException.ThrowIfNull(section);
        var start = document.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        if (start < 0) return document.TrimEnd('\n') + "\n\n" + section.TrimEnd('\n') + "\n";
        var next = document.IndexOf("\n## ", start + heading.Length + 1, StringComparison.Ordinal);
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

    public static string AbSection(AbResults ab, string resultsPath)
    {
        ArgumentNullException.ThrowIfNull(ab);
        var sb = new StringBuilder();
        sb.Append(AbHeading).Append("\n\n");
        sb.Append("`loadtests/run.sh --ab REV` builds REV's server in Release in a temporary git worktree and compares it (A) with this ");
        sb.Append("working tree's build (B) on the same redis-server, PostgreSQL, data and settings, one server at a time in turns A, B, A, B: ");
        sb.Append("the closed-loop maximum (the better of 16 and 64 connections), then a fixed rate at 50% of A's first maximum for both.\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Latest comparison ({ab.StartedAt:yyyy-MM-dd}, `{ab.Command}`; report: [{resultsPath}/ab-report.md]({resultsPath.Replace("loadtests/", "../loadtests/", StringComparison.Ordinal)}/ab-report.md)):\n\n");
        sb.Append(ab.Table()).Append('\n');
        foreach (var t in ab.Targets) sb.Append(CultureInfo.InvariantCulture, $"- {(t.Met ? "met" : "**not met**")}: {t.Target}: {t.Measured}\n");
        return sb.ToString();
    }

    public static string GrainsSection(GrainsResults run, string resultsPath)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(resultsPath);
        var sb = new StringBuilder();
        sb.Append(GrainsHeading).Append("\n\n");
        sb.Append("`loadtests/run.sh --grains` measures the paths that go through a citizen's grain (`CitizenGrain`), on the load runner's own ");
        sb.Append(CultureInfo.InvariantCulture, $"redis-server and PostgreSQL on loopback with {run.Seed.Citizens:N0} citizens seeded through the API: `GET /v1/me/pass` in a closed loop with the tokens of ");
        sb.Append(CultureInfo.InvariantCulture, $"{run.SignedInPerTopology:N0} signed-in citizens rotated per request, beside `GET /v1/ping` on the same server(s), first on one server process ");
        sb.Append(CultureInfo.InvariantCulture, $"(one silo), then on {run.ClusterProcesses} processes joined as one cluster through the membership table in Redis (one wrk per process at once, summed); ");
        sb.Append("then single status changes (`PUT /v1/citizens/{id}/status`, each a different citizen) and one bulk change (a draft, `POST /v1/status-drafts`, approved by a second account) on the cluster. ");
        sb.Append("See `loadtests/README.md`.\n\n");
        sb.Append("```sh\nloadtests/run.sh --grains          # about 8 minutes\nloadtests/run.sh --grains --quick  # tries the runner, measures nothing\n```\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Latest run ({run.StartedAt:yyyy-MM-dd} on the {run.Machine.Cores}-core development machine, `{run.Command}`; report: ");
        sb.Append(CultureInfo.InvariantCulture, $"[{resultsPath}/report.md]({resultsPath.Replace("loadtests/", "../loadtests/", StringComparison.Ordinal)}/report.md)):\n\n");
        sb.Append(GrainsReport.TopologyTable(run)).Append('\n');
        sb.Append(GrainsReport.Explanation(run)).Append('\n');
        sb.Append(GrainsReport.ChangesTable(run)).Append('\n');
        sb.Append(GrainsReport.ChangesNote(run)).Append('\n');
        sb.Append(GrainsReport.ChecksTable(run));
        return sb.ToString();
    }
}
