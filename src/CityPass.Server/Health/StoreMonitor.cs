using System.Diagnostics.Metrics;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using CityPass.Server.Scans;

namespace CityPass.Server.Health;

/// <summary>
/// Whether each store answers, from a probe every second and from the failures requests meet. Its
/// changes are logged once each (not once per refused request: an outage at 500 scans/s would otherwise
/// write 500 lines a second) and exported as the gauge <c>citypass.store.up</c>; every request refused
/// for a store counts in <c>citypass.store.refused</c>.
/// </summary>
public sealed class StoreMonitor : BackgroundService
{
    public const string MeterName = "CityPass.Stores";

    /// <summary>How often each store is asked whether it answers (and how soon a recovery is noticed).</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest a probe waits for an answer before it counts the store as down.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private static readonly Store[] Stores = [Store.HotState, Store.Records];

    private readonly IServiceProvider _services;
    private readonly ILogger<StoreMonitor> _logger;
    private readonly TimeProvider _clock = TimeProvider.System;
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _refused;
    private readonly Lock _lock = new();
    // Per store: null while it answers, else since when it has not.
    private readonly DateTimeOffset?[] _downSince = new DateTimeOffset?[Stores.Length];

    public StoreMonitor(IServiceProvider services, ILogger<StoreMonitor> logger)
    {
        _services = services;
        _logger = logger;
        _refused = _meter.CreateCounter<long>("citypass.store.refused", description: "Requests answered 503 store_unavailable, by store.");
        _meter.CreateObservableGauge("citypass.store.up", () => Stores.Select(s => new Measurement<int>(DownSince(s) is null ? 1 : 0, new KeyValuePair<string, object?>("store", Tag(s)))),
            description: "1 while the store answers, 0 while it does not.");
    }

    /// <summary>Since when the store has not answered; null while it does.</summary>
    public DateTimeOffset? DownSince(Store store)
    {
        lock (_lock) return _downSince[(int)store];
    }

    /// <summary>A request was refused because <paramref name="store"/> failed it.</summary>
    public void Refused(Store store, Exception error)
    {
        _refused.Add(1, new KeyValuePair<string, object?>("store", Tag(store)));
        MarkDown(store, error);
    }

    /// <summary>Asks every store once, now; updates (and logs) what changed.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(ProbeAsync(Store.HotState, cancellationToken), ProbeAsync(Store.Records, cancellationToken));
    }

    private async Task ProbeAsync(Store store, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            // Resolved here, not in the constructor: the Redis client exists only once the host has started it.
            Task probe = store == Store.HotState
                ? _services.GetRequiredService<IHotState>().GetOccupancyAsync(Guid.Empty, timeout.Token)
                : _services.GetRequiredService<ICitizenStore>().ListAsync(null, 1, timeout.Token);
            await probe.WaitAsync(ProbeTimeout, cancellationToken);
            MarkUp(store);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            MarkDown(store, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ProbeInterval, _clock);
        try
        {
            do await ProbeAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void MarkDown(Store store, Exception error)
    {
        lock (_lock)
        {
            if (_downSince[(int)store] is not null) return;
            _downSince[(int)store] = _clock.GetUtcNow();
        }
        // The exception's type only: its message can quote a connection string.
        _logger.LogWarning("The {Store} is not answering ({Error}); requests that need it answer 503 store_unavailable until it does.",
            StoreFailures.NameOf(store), error.GetType().Name);
    }

    private void MarkUp(Store store)
    {
        DateTimeOffset since;
        lock (_lock)
        {
            if (_downSince[(int)store] is not { } down) return;
            since = down;
            _downSince[(int)store] = null;
        }
        _logger.LogInformation("The {Store} answers again, after {Seconds:0.0} s.", StoreFailures.NameOf(store), (_clock.GetUtcNow() - since).TotalSeconds);
    }

    private static string Tag(Store store) => store == Store.HotState ? "hot_state" : "records";

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}
