using CityPass.LoadTests;
using Spectre.Console;

// The scan-verify load test: loadtests/run.sh builds Release and runs this. See loadtests/README.md.
var repoRoot = FindRepoRoot(AppContext.BaseDirectory) ?? FindRepoRoot(Environment.CurrentDirectory)
    ?? throw new InvalidOperationException("Run from inside the CityPass repository.");
// Re-reads a kept profile (profile.speedscope.json) without a run: citypass-loadtests analyse-profile FILE
if (args is ["analyse-profile", var speedscope])
{
    var p = CpuProfile.Analyse(speedscope, speedscope);
    Console.WriteLine($"busy {p.BusyMs / 1000:N1} s, idle {p.IdleMs / 1000:N1} s, lock wait {p.LockWaitMs / 1000:N1} s, GC wait {p.GcWaitMs / 1000:N1} s");
    foreach (var (title, list) in new[] { ("components", p.ByComponent), ("self", p.TopSelf), ("CityPass inclusive", p.TopInclusiveCityPass), ("lock waits", p.LockWaitCallers) })
    {
        Console.WriteLine($"-- {title}");
        foreach (var e in list) Console.WriteLine($"{e.Percent,6:0.0}%  {e.Name}");
    }
    return 0;
}

// What Redis's append-only file holds per scan, by command, from the end of an incremental AOF written under load (a
// run's is in loadtests/results/<run>/tmp/redis/appendonlydir while the run goes): citypass-loadtests aof-bytes FILE [MEGABYTES]
if (args is ["aof-bytes", var aof, .. var more] && more.Length <= 1)
{
    long megabytes = AofCommandBytes.DefaultTailMegabytes;
    if (more.Length == 1 && !(long.TryParse(more[0], System.Globalization.CultureInfo.InvariantCulture, out megabytes) && megabytes is > 0 and < 100_000))
    {
        Console.Error.WriteLine($"aof-bytes: MEGABYTES must be a whole number from 1 to 99,999, not '{more[0]}'.");
        return 2;
    }
    if (!File.Exists(aof))
    {
        Console.Error.WriteLine($"aof-bytes: no file '{aof}'.");
        return 2;
    }
    Console.Write(AofCommandBytes.ReadTail(aof, megabytes << 20).Markdown());
    return 0;
}

// Rewrites a run's report.md (and chart) from its results.json, touching no docs: citypass-loadtests write-report loadtests/results/<run>
if (args is ["write-report", var reportDirectory])
{
    var directory = Path.GetFullPath(reportDirectory);
    await ReportWriter.WriteAsync(await ReportWriter.ReadAsync(directory), directory);
    return 0;
}

// Rewrites a run's report.md and the docs section from its results.json, with loadtests/analysis.md (the
// profile's reading, written by a person after the run): citypass-loadtests write-docs loadtests/results/<run>
if (args is ["write-docs", var runDirectory])
{
    var directory = Path.GetFullPath(runDirectory);
    // A fault or cluster run touches no docs: its report and charts are rewritten from its results.json.
    if (await ClusterReport.IsClusterRunAsync(directory))
    {
        await ClusterReport.WriteAsync(await ClusterReport.ReadAsync(directory), directory);
        return 0;
    }
    if (await FaultsReport.IsFaultsRunAsync(directory))
    {
        await FaultsReport.WriteAsync(await FaultsReport.ReadAsync(directory), directory);
        return 0;
    }
    if (await GrainsReport.IsGrainsRunAsync(directory))
    {
        await PublishGrainsAsync(await GrainsReport.ReadAsync(directory), directory, updateDocs: true);
        return 0;
    }
    var results = await ReportWriter.ReadAsync(directory);
    await PublishAsync(results, directory, updateDocs: true);
    return 0;
}

RunOptions options;
try
{
    options = RunOptions.Parse(args, repoRoot);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// Piped output (CI logs, tee) would otherwise wrap at 80 columns.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
Directory.CreateDirectory(options.OutputDirectory);
if (options.ArchiverApart) return await CompareArchiversAsync();
if (options.AbBaselineDll is not null) return await CompareAsync();
if (options.Grains) return await GrainsAsync();
if (options.Faults) return await FaultsAsync();
if (options.Cluster) return await ClusterAsync();
var run = await new LoadTestRun(options).RunAsync();
await PublishAsync(run, options.OutputDirectory, options.UpdateDocs);
foreach (var t in run.Targets) AnsiConsole.MarkupLine(Markup.Escape($"  {(t.Met ? "met    " : "NOT MET")}  {t.Target}: {t.Measured}"));
return run.Archive.Passed && run.Scenarios.Sum(s => s.Count5xx) == 0 ? 0 : 1;

async Task PublishAsync(RunResults results, string directory, bool updateDocs)
{
    var relative = Path.GetRelativePath(repoRoot, directory).Replace('\\', '/');
    var analysisFile = Path.Combine(repoRoot, "loadtests", "analysis.md");
    var analysis = File.Exists(analysisFile) ? await File.ReadAllTextAsync(analysisFile) : null;
    // The analysis names the run it was written for; a newer run gets it only once someone has read that run's profile.
    var fits = analysis is not null && analysis.Contains(Path.GetFileName(directory), StringComparison.Ordinal);
    await ReportWriter.WriteAsync(results, directory, fits ? analysis : null);
    if (updateDocs)
    {
        var doc = Path.Combine(repoRoot, "docs", "performance.md");
        await File.WriteAllTextAsync(doc, PerformanceDoc.Replace(await File.ReadAllTextAsync(doc), PerformanceDoc.Section(results, relative, fits ? analysis : null)));
    }
    AnsiConsole.MarkupLine($"[bold]Results:[/] {Markup.Escape(relative)}/report.md, results.json, chart.svg");
}

async Task<int> CompareAsync()
{
    var ab = await new LoadTestRun(options).CompareAsync();
    var relative = Path.GetRelativePath(repoRoot, options.OutputDirectory).Replace('\\', '/');
    await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "ab-results.json"),
        System.Text.Json.JsonSerializer.Serialize(ab, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "ab-report.md"), ab.Markdown());
    if (options.UpdateDocs)
    {
        var doc = Path.Combine(repoRoot, "docs", "performance.md");
        await File.WriteAllTextAsync(doc, PerformanceDoc.Replace(await File.ReadAllTextAsync(doc), PerformanceDoc.AbHeading, PerformanceDoc.AbSection(ab, relative)));
    }
    AnsiConsole.MarkupLine($"[bold]Results:[/] {Markup.Escape(relative)}/ab-report.md, ab-results.json");
    foreach (var t in ab.Targets) AnsiConsole.MarkupLine(Markup.Escape($"  {(t.Met ? "met    " : "NOT MET")}  {t.Target}: {t.Measured}"));
    return ab.Archive.Passed && ab.Turns.Sum(t => t.Count5xx) == 0 ? 0 : 1;
}

async Task<int> CompareArchiversAsync()
{
    // The server answers without archiving; the archiver's process is the one that archives (LoadTestRig.StartArchiverAsync).
    var run = options with { ServerSettings = new Dictionary<string, string>(options.ServerSettings) { ["HotState__Archive"] = "false" } };
    var results = await new LoadTestRun(run).CompareArchiversAsync();
    var relative = Path.GetRelativePath(repoRoot, options.OutputDirectory).Replace('\\', '/');
    await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "archiver-results.json"),
        System.Text.Json.JsonSerializer.Serialize(results, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "archiver-report.md"), results.Markdown());
    AnsiConsole.MarkupLine($"[bold]Results:[/] {Markup.Escape(relative)}/archiver-report.md, archiver-results.json");
    foreach (var t in results.Targets) AnsiConsole.MarkupLine(Markup.Escape($"  {(t.Met ? "met    " : "NOT MET")}  {t.Target}: {t.Measured}"));
    return results.Archive.Passed && results.Turns.Sum(t => t.Count5xx) == 0 ? 0 : 1;
}

async Task<int> GrainsAsync()
{
    var grains = await new GrainsRun(options).RunAsync();
    await PublishGrainsAsync(grains, options.OutputDirectory, options.UpdateDocs);
    foreach (var t in grains.Checks) AnsiConsole.MarkupLine(Markup.Escape($"  {(t.Met ? "met    " : "NOT MET")}  {t.Target}: {t.Measured}"));
    return grains.Checks.All(t => t.Met) ? 0 : 1;
}

async Task<int> FaultsAsync()
{
    var faults = await new FaultsRun(options).RunAsync();
    await FaultsReport.WriteAsync(faults, options.OutputDirectory);
    var relative = Path.GetRelativePath(repoRoot, options.OutputDirectory).Replace('\\', '/');
    AnsiConsole.MarkupLine($"[bold]Results:[/] {Markup.Escape(relative)}/report.md, results.json, chart.svg");
    foreach (var t in faults.Expectations) AnsiConsole.MarkupLine(Markup.Escape($"  {(t.Met ? "as expected" : "NOT AS EXPECTED")}  {t.Target}: {t.Measured}"));
    foreach (var t in faults.Checks) AnsiConsole.MarkupLine(Markup.Escape($"  {(t.Met ? "met    " : "NOT MET")}  {t.Target}: {t.Measured}"));
    return faults.Checks.All(t => t.Met) ? 0 : 1;
}

async Task<int> ClusterAsync()
{
    var cluster = await new ClusterRun(options).RunAsync();
    await ClusterReport.WriteAsync(cluster, options.OutputDirectory);
    var relative = Path.GetRelativePath(repoRoot, options.OutputDirectory).Replace('\\', '/');
    AnsiConsole.MarkupLine($"[bold]Results:[/] {Markup.Escape(relative)}/report.md, results.json, chart.svg, scaling.svg");
    foreach (var t in cluster.Expectations) AnsiConsole.MarkupLine(Markup.Escape($"  {(t.Met ? "as expected" : "NOT AS EXPECTED")}  {t.Target}: {t.Measured}"));
    foreach (var t in cluster.Checks) AnsiConsole.MarkupLine(Markup.Escape($"  {(t.Met ? "met    " : "NOT MET")}  {t.Target}: {t.Measured}"));
    return cluster.Checks.All(t => t.Met) ? 0 : 1;
}

async Task PublishGrainsAsync(GrainsResults results, string directory, bool updateDocs)
{
    var relative = Path.GetRelativePath(repoRoot, directory).Replace('\\', '/');
    await GrainsReport.WriteAsync(results, directory);
    if (updateDocs)
    {
        var doc = Path.Combine(repoRoot, "docs", "performance.md");
        await File.WriteAllTextAsync(doc, PerformanceDoc.Replace(await File.ReadAllTextAsync(doc), PerformanceDoc.GrainsHeading, PerformanceDoc.GrainsSection(results, relative)));
    }
    AnsiConsole.MarkupLine($"[bold]Results:[/] {Markup.Escape(relative)}/report.md, results.json");
}

static string? FindRepoRoot(string start)
{
    for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "CityPass.sln"))) return d.FullName;
    }
    return null;
}
