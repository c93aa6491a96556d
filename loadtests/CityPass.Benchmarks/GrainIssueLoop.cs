using System.Diagnostics;
using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.Benchmarks;

/// <summary>
/// Issuing in a loop for a while, directly and then through the grains, so a profiler (dotnet-trace) can be
/// attached to the grain's turn: <c>taskset -c 0 dotnet run -c Release -- grain-loop [seconds]</c>.
/// </summary>
internal static class GrainIssueLoop
{
    public static async Task RunAsync(int seconds)
    {
        await using var host = await GrainHost.StartAsync();
        var issuer = host.Host.Services.GetRequiredService<CitizenPassIssuer>();
        var drafts = Enumerable.Range(0, CitizenGrainBenchmarks.Batch).Select(i => new CitizenDraft($"LOOP-{i}", $"+86137{i:D8}", "欧阳明", Credentials.HealthRecord)).ToList();
        var citizens = (await host.Citizens.UpsertManyAsync(drafts, host.Clock.GetUtcNow(), CancellationToken.None)).Select(r => r.Citizen).ToArray();
        var grains = citizens.Select(c => host.Grains.Citizen(c.Id)).ToArray();
        await Task.WhenAll(grains.Select(g => g.GetPassAsync()));

        for (var round = 0; round < 6; round++)
        {
            var gen0 = GC.CollectionCount(0);
            var direct = Measure(seconds, () => { foreach (var c in citizens) issuer.Issue(c); return Task.CompletedTask; });
            var gen0Direct = GC.CollectionCount(0) - gen0;
            gen0 = GC.CollectionCount(0);
            var through = Measure(seconds, () =>
            {
                host.Clock.Advance(TimeSpan.FromSeconds(46));
                var calls = new Task[grains.Length];
                for (var i = 0; i < grains.Length; i++) calls[i] = grains[i].GetPassAsync();
                return Task.WhenAll(calls);
            });
            Console.WriteLine($"direct {direct:N0}/s ({gen0Direct} gen0), through the grains {through:N0}/s ({GC.CollectionCount(0) - gen0} gen0): {through / direct:N2}x; threads {System.Diagnostics.Process.GetCurrentProcess().Threads.Count}");
        }
    }

    private static double Measure(int seconds, Func<Task> batch)
    {
        var watch = Stopwatch.StartNew();
        long passes = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            batch().GetAwaiter().GetResult();
            passes += CitizenGrainBenchmarks.Batch;
        }
        return passes / watch.Elapsed.TotalSeconds;
    }
}
