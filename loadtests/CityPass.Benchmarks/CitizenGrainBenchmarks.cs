using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.Benchmarks;

/// <summary>
/// Issuing passes through the citizens' grains against issuing them directly (sign + MAC + encrypted pseudonym,
/// CityPass.Core through the server's issuer), in one run, on one core (the silo's threads included), so the
/// ratio is the grains' own cost. Target (issue 11): through the grains at least 0.8x the raw rate. The rate is
/// measured as the server meets it, many citizens at once (<see cref="Batch"/> grains asked together); one
/// citizen at a time is shown too, where every call pays the hand-off to the grain's turn and back alone.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OneCore))]
public class CitizenGrainBenchmarks
{
    // Past the refresh time (three quarters of the 60 s lifetime): every call through the grain issues anew.
    private static readonly TimeSpan PastRefresh = TimeSpan.FromSeconds(46);

    /// <summary>Citizens asked for at once in the rate benchmarks.</summary>
    public const int Batch = 64;

    private GrainHost _host = null!;
    private CitizenPassIssuer _issuer = null!;
    private Citizen _citizen = null!;
    private ICitizenGrain _grain = null!;
    private Citizen[] _citizens = null!;
    private ICitizenGrain[] _grains = null!;

    private sealed class OneCore : ManualConfig
    {
        public OneCore() => AddJob(Job.Default.WithAffinity(1).WithWarmupCount(30).WithIterationCount(20));
    }

    [GlobalSetup]
    public void Setup()
    {
        _host = GrainHost.StartAsync().GetAwaiter().GetResult();
        _issuer = _host.Host.Services.GetRequiredService<CitizenPassIssuer>();
        var drafts = Enumerable.Range(0, Batch).Select(i => new CitizenDraft($"BENCH-{i}", $"+86138{i:D8}", "欧阳明", Credentials.HealthRecord | Credentials.EIdVerified)).ToList();
        _citizens = [.. _host.Citizens.UpsertManyAsync(drafts, _host.Clock.GetUtcNow(), CancellationToken.None).GetAwaiter().GetResult().Select(r => r.Citizen)];
        _grains = [.. _citizens.Select(c => _host.Grains.Citizen(c.Id))];
        (_citizen, _grain) = (_citizens[0], _grains[0]);
        Task.WhenAll(_grains.Select(g => g.GetPassAsync())).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _host.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "issue directly")]
    public CitizenPass IssueDirectly()
    {
        CitizenPass last = null!;
        foreach (var citizen in _citizens) last = _issuer.Issue(citizen);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "issue through the grains, 64 citizens at once")]
    public Task IssueThroughTheGrains()
    {
        _host.Clock.Advance(PastRefresh);
        var calls = new Task[Batch];
        for (var i = 0; i < Batch; i++) calls[i] = _grains[i].GetPassAsync();
        return Task.WhenAll(calls);
    }

    [Benchmark(Description = "issue through the grain, one citizen at a time")]
    public async Task<CitizenPass?> IssueThroughTheGrain()
    {
        _host.Clock.Advance(PastRefresh);
        return await _grain.GetPassAsync();
    }

    [Benchmark(Description = "issue directly on a thread-pool thread, one at a time")]
    public Task<CitizenPass> IssueOnThePool() => Task.Run(() => _issuer.Issue(_citizen));

    [Benchmark(Description = "current pass from the grain")]
    public Task<CitizenPass?> CurrentPassFromTheGrain() => _grain.GetPassAsync();
}
