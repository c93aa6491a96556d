using System.Diagnostics;
using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.Benchmarks;

/// <summary>
/// Memory per active citizen grain: the managed heap after a full collection, before and after activating
/// N citizens' grains each holding its current pass (what an active citizen costs a silo). The citizens are
/// in the embedded store before the first reading, so their records are not counted, only the activations.
/// </summary>
internal static class GrainMemory
{
    public static async Task RunAsync(int count)
    {
        await using var host = await GrainHost.StartAsync();
        var store = host.Citizens;
        var ids = new List<CitizenPseudonym>(count);
        for (var start = 0; start < count; start += 10_000)
        {
            var drafts = Enumerable.Range(start, Math.Min(10_000, count - start))
                .Select(i => new CitizenDraft($"MEM-{i}", $"+86139{i:D8}", "欧阳明" + i, Credentials.HealthRecord)).ToList();
            ids.AddRange((await store.UpsertManyAsync(drafts, host.Clock.GetUtcNow(), CancellationToken.None)).Select(r => r.Citizen.Id));
        }
        var before = Settle();
        var activating = Stopwatch.StartNew();
        var options = new ParallelOptions { MaxDegreeOfParallelism = 64 };
        await Parallel.ForEachAsync(ids, options, async (id, _) => await host.Grains.Citizen(id).GetPassAsync());
        activating.Stop();
        var after = Settle();
        var active = host.Host.Services.GetRequiredService<ActiveCitizens>().Count;

        Console.WriteLine($"citizen grains active: {active:N0} (activated in {activating.Elapsed.TotalSeconds:N1} s, {active / activating.Elapsed.TotalSeconds:N0}/s)");
        Console.WriteLine($"managed heap: {before / 1048576.0:N1} MiB before, {after / 1048576.0:N1} MiB after: {(after - before) / (double)active:N0} bytes per active grain (with its pass)");
        Console.WriteLine($"process working set: {Environment.WorkingSet / 1048576.0:N0} MiB");
    }

    private static long Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
