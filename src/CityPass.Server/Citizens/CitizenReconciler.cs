using CityPass.Server.Scans;

namespace CityPass.Server.Citizens;

/// <summary>
/// Repairs the hot copies: a status change commits in the system of record first and is then pushed
/// to the hot state, and a push can be lost (Redis down at that moment, a failover losing the write,
/// a Redis restarted empty). Every period this pages through all citizens and pushes each again;
/// <see cref="IHotState.PutCitizenAsync"/> only moves forward, so a newer push that raced ahead is kept.
/// With several replicas one of them does each period's pass (the lease); a Redis that came back empty is
/// refilled at once by the replica that notices (<c>HotStateRefill</c>), not by this period's pass.
/// </summary>
public sealed class CitizenReconciler : BackgroundService
{
    /// <summary>Citizens per page; the pushes of a page run concurrently (pipelined on the one connection), so this bounds what is in flight.</summary>
    public const int PageSize = 256;

    private readonly ICitizenStore _citizens;
    private readonly Func<IHotState> _hotState;
    private readonly TimeSpan _period;
    private readonly TimeProvider _clock;
    private readonly ILogger<CitizenReconciler> _logger;
    private readonly Func<Task<bool>> _takesThisPeriod;

    /// <param name="hotState">Resolved when the reconciler starts: the Redis hot state needs a client that is only connected by then.</param>
    /// <param name="takesThisPeriod">
    /// Whether this replica does the coming period's pass (with Redis: it holds the reconcile lease, so one replica
    /// of N pushes each citizen once a period, not N times); always, when absent.
    /// </param>
    public CitizenReconciler(ICitizenStore citizens, Func<IHotState> hotState, TimeSpan period, ILogger<CitizenReconciler> logger, TimeProvider? clock = null,
        Func<Task<bool>>? takesThisPeriod = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _citizens = citizens;
        _hotState = hotState;
        _period = period;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _takesThisPeriod = takesThisPeriod ?? (() => Task.FromResult(true));
    }

    /// <summary>Pushes every citizen's hot copy once; returns how many were pushed.</summary>
    public async Task<long> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        var hot = _hotState();
        long pushed = 0;
        Core.Citizens.CitizenPseudonym? after = null;
        while (true)
        {
            var page = await _citizens.ListAsync(after, PageSize, cancellationToken);
            if (page.Count == 0) break;
            await Task.WhenAll(page.Select(c => hot.PutCitizenAsync(c.ToHot(), cancellationToken)));
            pushed += page.Count;
            after = page[^1].Id;
            if (page.Count < PageSize) break;
        }
        return pushed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_period, _clock);
        do
        {
            try
            {
                if (await _takesThisPeriod())
                {
                    var pushed = await ReconcileOnceAsync(stoppingToken);
                    _logger.LogDebug("Reconciled {Count} citizens' hot copies.", pushed);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The next period starts over from the first page; a pass that failed halfway only delays repairs.
                _logger.LogWarning("Reconciling citizens' hot copies failed ({Error}: {Message}).", ex.GetType().Name, ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
