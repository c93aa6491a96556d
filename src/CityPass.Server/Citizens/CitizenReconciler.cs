namespace CityPass.Server.Citizens;

/// <summary>
/// Repairs the hot copies: a status change commits in the system of record first and is then pushed
/// to the hot state, and a push can be lost (Redis down at that moment, a failover losing the write,
/// a Redis restarted empty). Every period this pushes again the citizens changed since the last pass
/// (<see cref="ICitizenStore.ListChangedAsync"/>, from <see cref="ChangeMargin"/> before it began, less those whose write
/// had finished before it began: it pushed them), and once a full period
/// (or when no mark says where the passes got to) every citizen. A lost push is of a change, so the next
/// pass finds it: what a period costs grows with the changes, not with the city (20 million citizens pushed every
/// minute would be more pushes than scans). <see cref="ICitizenHotCopies.PutCitizenAsync"/> only moves forward, so a newer
/// push that raced ahead is kept. With several replicas one of them does each period's pass (the lease), and the mark
/// is shared; a Redis that came back empty is refilled at once by the replica that notices (<c>HotStateRefill</c>),
/// not by this period's pass.
/// </summary>
public sealed class CitizenReconciler : BackgroundService
{
    /// <summary>Citizens per page; the pushes of a page run concurrently (pipelined on the one connection), so this bounds what is in flight.</summary>
    public const int PageSize = 256;

    private readonly ICitizenStore _citizens;
    private readonly Func<ICitizenHotCopies> _hotState;
    private readonly TimeSpan _period;
    private readonly TimeProvider _clock;
    private readonly ILogger<CitizenReconciler> _logger;
    private readonly Func<Task<bool>> _takesThisPeriod;
    private readonly IReconcileMarks? _marks;
    private readonly TimeSpan _fullEvery;

    /// <summary>
    /// How far before the last pass began the next one looks: a change is stamped by the store's clock when its row is
    /// written and seen once its transaction commits, so this covers a transaction that commits that much later, and a
    /// store's clock that far behind ours.
    /// </summary>
    public static readonly TimeSpan ChangeMargin = TimeSpan.FromMinutes(5);

    /// <param name="hotState">Resolved when the reconciler starts: the Redis hot state needs a client that is only connected by then.</param>
    /// <param name="takesThisPeriod">
    /// Whether this replica does the coming period's pass (with Redis: it holds the reconcile lease, so one replica
    /// of N pushes each citizen once a period, not N times); always, when absent.
    /// </param>
    /// <param name="marks">Where the passes have got to; without it every pass is a full one.</param>
    /// <param name="fullEvery">How often every citizen is pushed, whatever changed (with <paramref name="marks"/>).</param>
    public CitizenReconciler(ICitizenStore citizens, Func<ICitizenHotCopies> hotState, TimeSpan period, ILogger<CitizenReconciler> logger, TimeProvider? clock = null,
        Func<Task<bool>>? takesThisPeriod = null, IReconcileMarks? marks = null, TimeSpan? fullEvery = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _marks = marks;
        _fullEvery = fullEvery ?? TimeSpan.FromDays(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_fullEvery, TimeSpan.Zero, nameof(fullEvery));
        _citizens = citizens;
        _hotState = hotState;
        _period = period;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _takesThisPeriod = takesThisPeriod ?? (() => Task.FromResult(true));
    }

    /// <summary>Pushes every citizen's hot copy once; returns how many were pushed.</summary>
    public Task<long> ReconcileOnceAsync(CancellationToken cancellationToken) =>
        PushPagesAsync<Citizen>((after, ct) => _citizens.ListAsync(after?.Id, PageSize, ct), c => c, cancellationToken);

    /// <summary>
    /// Pushes the hot copies of the citizens changed at or after <paramref name="since"/> by a write numbered at or above
    /// <paramref name="writtenFrom"/> (any, when null); returns how many were pushed.
    /// </summary>
    public Task<long> ReconcileChangedAsync(DateTimeOffset since, long? writtenFrom, CancellationToken cancellationToken) =>
        PushPagesAsync<CitizenChange>((after, ct) => _citizens.ListChangedAsync(since, writtenFrom, after, PageSize, ct), c => c.Citizen, cancellationToken);

    /// <summary>Pages through <paramref name="page"/> (the next page after the last item read) and pushes each page's citizens concurrently.</summary>
    private async Task<long> PushPagesAsync<T>(Func<T?, CancellationToken, Task<IReadOnlyList<T>>> page, Func<T, Citizen> citizenOf, CancellationToken cancellationToken)
        where T : class
    {
        var hot = _hotState();
        long pushed = 0;
        T? after = null;
        while (true)
        {
            var items = await page(after, cancellationToken);
            if (items.Count == 0) break;
            await Task.WhenAll(items.Select(item => hot.PutCitizenAsync(citizenOf(item).ToHot(), cancellationToken)));
            pushed += items.Count;
            after = items[^1];
            if (items.Count < PageSize) break;
        }
        return pushed;
    }

    /// <summary>
    /// One period's pass: the citizens changed since the mark, or every citizen when the mark is missing or its last
    /// full pass is <c>fullEvery</c> old. The mark moves only once the pass has pushed everything, so a pass that fails
    /// halfway is done again from the same point.
    /// </summary>
    /// <remarks>
    /// Why a change is pushed once, not by every pass within <see cref="ChangeMargin"/> of it: the pass reads the store's
    /// write horizon before anything else, so every write numbered below it was finished, and is seen by this pass's
    /// reads; the next pass skips those. A write still in progress is at or above the horizon, so the next pass, or the one
    /// after, pushes it once it has committed (within the margin, as before).
    /// </remarks>
    public async Task<long> ReconcilePeriodAsync(CancellationToken cancellationToken)
    {
        var began = _clock.GetUtcNow();
        var mark = _marks is null ? null : await _marks.ReadAsync(cancellationToken);
        var horizon = _marks is null ? (long?)null : await _citizens.ReadWriteHorizonAsync(cancellationToken);
        var full = mark is null || began - mark.LastFull >= _fullEvery;
        var pushed = full ? await ReconcileOnceAsync(cancellationToken) : await ReconcileChangedAsync(mark!.Since, mark.WrittenFrom, cancellationToken);
        if (_marks is not null) await _marks.WriteAsync(new ReconcileMark(began - ChangeMargin, full ? began : mark!.LastFull, horizon), cancellationToken);
        _logger.LogDebug("Reconciled {Count} citizens' hot copies ({Pass} pass).", pushed, full ? "full" : "changes");
        return pushed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_period, _clock);
        do
        {
            try
            {
                if (await _takesThisPeriod()) await ReconcilePeriodAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The next period does the pass again from the same mark; a pass that failed halfway only delays repairs.
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
