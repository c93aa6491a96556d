using System.Threading.Channels;
using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;

namespace CityPass.Server.Authority;

/// <summary>
/// Runs approved drafts through the citizens' grains, <see cref="Concurrency"/> citizens at a time, recording each
/// citizen's result as it goes: the progress staff see, and where a stopped run resumes. One server runs a draft at a
/// time (a lease in the store, renewed after every batch); every server looks for unfinished drafts at start and then
/// every <see cref="ResumeInterval"/>, so a run whose server died is taken over once its lease lapses.
/// </summary>
public sealed partial class StatusDraftRunner(
    IStatusDraftStore store, IGrainFactory grains, StatusDraftMetrics metrics, IHostApplicationLifetime lifetime, TimeProvider clock,
    ILogger<StatusDraftRunner> logger) : BackgroundService
{
    /// <summary>Citizens changed at once: each is a grain call and a database transaction.</summary>
    public const int Concurrency = 32;

    /// <summary>Results recorded (and the lease renewed) per batch.</summary>
    public const int BatchSize = 256;

    public static TimeSpan Lease { get; } = TimeSpan.FromMinutes(1);

    public static TimeSpan ResumeInterval { get; } = TimeSpan.FromMinutes(1);

    private readonly string _name = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly Channel<Guid> _approved = Channel.CreateUnbounded<Guid>();

    /// <summary>Runs an approved draft soon, in the background.</summary>
    public void Start(Guid draftId) => _approved.Writer.TryWrite(draftId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls need the silo, which starts with the host: wait for it rather than fail the first resume.
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default);
        using var resume = new PeriodicTimer(ResumeInterval, clock);
        var resumeTick = resume.WaitForNextTickAsync(stoppingToken).AsTask();
        await EnqueueUnfinishedAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = _approved.Reader.WaitToReadAsync(stoppingToken).AsTask();
            if (await Task.WhenAny(next, resumeTick) == resumeTick)
            {
                if (!await resumeTick) return;
                resumeTick = resume.WaitForNextTickAsync(stoppingToken).AsTask();
                await EnqueueUnfinishedAsync(stoppingToken);
                continue;
            }
            if (!await next) return;
            while (_approved.Reader.TryRead(out var id))
            {
                try
                {
                    await RunAsync(id, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The results so far are kept; the next resume (here or on another server) goes on from them.
                    LogRunFailed(logger, id, e);
                }
            }
        }
    }

    private async Task EnqueueUnfinishedAsync(CancellationToken ct)
    {
        try
        {
            foreach (var id in await store.ListUnfinishedAsync(ct)) Start(id);
        }
        catch (Exception e) when (StoreFailures.Classify(e) is not null)
        {
            LogResumeFailed(logger, e);
        }
    }

    /// <summary>Runs one draft to its end, or until its lease is lost; false when another server holds it or it is done.</summary>
    public async Task<bool> RunAsync(Guid id, CancellationToken ct)
    {
        if (!await store.LeaseAsync(id, _name, clock.GetUtcNow(), clock.GetUtcNow() + Lease, ct)) return false;
        if (await store.GetAsync(id, ct) is not { State: StatusDraftState.Approved, FinishedAt: null } draft) return false;

        var done = new HashSet<CitizenPseudonym>();
        for (CitizenPseudonym? after = null; ;)
        {
            var page = await store.ListResultsAsync(id, after, 1_000, ct);
            foreach (var r in page) done.Add(r.CitizenId);
            if (page.Count < 1_000) break;
            after = page[^1].CitizenId;
        }
        var resumed = done.Count > 0;
        var remaining = draft.CitizenIds.Where(c => !done.Contains(c)).ToList();
        LogRunning(logger, id, remaining.Count, draft.CitizenIds.Count);

        foreach (var batch in remaining.Chunk(BatchSize))
        {
            var results = new StatusDraftResult[batch.Length];
            // Not the stopping token inside a batch: a change begun is finished and recorded.
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Length), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, _) =>
                results[i] = await ChangeAsync(draft, batch[i], resumed));
            await store.AddResultsAsync(id, results, CancellationToken.None);
            if (ct.IsCancellationRequested) return false;
            if (!await store.LeaseAsync(id, _name, clock.GetUtcNow(), clock.GetUtcNow() + Lease, ct))
            {
                LogLeaseLost(logger, id);
                return false;
            }
        }
        await store.FinishAsync(id, clock.GetUtcNow(), ct);
        metrics.Draft("finished");
        LogFinished(logger, id, draft.CitizenIds.Count);
        return true;
    }

    private async Task<StatusDraftResult> ChangeAsync(StatusDraft draft, CitizenPseudonym citizen, bool resumed)
    {
        var grain = grains.Citizen(citizen);
        // A resumed run may meet a citizen whose change was made before the stop but not recorded: it shows as the
        // draft's own colour and reason already, and is recorded as changed rather than changed a second time.
        if (resumed && await grain.GetAsync() is { } now && now.Status.Colour == draft.Colour && now.Status.Reason == draft.Reason)
        {
            return new StatusDraftResult(citizen, "changed", now.Status.Version);
        }
        var outcome = await grain.ChangeStatusAsync(draft.Colour, draft.Reason, draft.CaseRef, draft.ChangeActor, StatusChange.ApprovedDraftRole);
        return outcome.Kind switch
        {
            StatusChangeKind.Changed => new StatusDraftResult(citizen, "changed", outcome.Citizen!.Status.Version),
            StatusChangeKind.NotFound => new StatusDraftResult(citizen, "not_found", null),
            StatusChangeKind.Conflict => new StatusDraftResult(citizen, ProblemCodes.StatusVersionConflict, null),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Status draft {DraftId}: changing {Remaining} of its {Total} citizens.")]
    private static partial void LogRunning(ILogger logger, Guid draftId, int remaining, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Status draft {DraftId}: finished, {Total} citizens.")]
    private static partial void LogFinished(ILogger logger, Guid draftId, int total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status draft {DraftId}: another server took the run over; stopping here.")]
    private static partial void LogLeaseLost(ILogger logger, Guid draftId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Status draft {DraftId}: the run stopped; it resumes from its recorded results.")]
    private static partial void LogRunFailed(ILogger logger, Guid draftId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status drafts: could not look for unfinished runs; trying again later.")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception);
}
