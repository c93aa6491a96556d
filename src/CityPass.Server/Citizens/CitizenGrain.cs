using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>
/// <see cref="ICitizenGrain"/>: a cache of the citizen's row with its version, loaded on activation,
/// written through on every change. The version guard in the store is the real protection: during a
/// membership change two activations of one citizen can briefly exist, and the second writer finds
/// the version moved, reads again, and retries rather than overwriting.
/// </summary>
public sealed class CitizenGrain(
    ICitizenStore store, ICitizenHotCopies hot, CitizenPassIssuer issuer, ActiveCitizens active, TimeProvider clock, ILogger<CitizenGrain> logger)
    : Grain, ICitizenGrain
{
    /// <summary>Tries of a status change against a version other writers keep moving, before answering a conflict.</summary>
    public const int MaxAttempts = 3;

    /// <summary>
    /// How long the held state is trusted when no change was announced: a change made around the grains
    /// (an import whose notice was lost) is picked up at the next pass issued after this.
    /// </summary>
    public static readonly TimeSpan MaxStateAge = TimeSpan.FromMinutes(5);

    private CitizenPseudonym _id;
    private Citizen? _citizen;
    private DateTimeOffset _loadedAt;
    private CitizenPass? _pass;
    private IReadOnlyList<Booking> _bookings = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = CitizenGrains.IdOf(this.GetPrimaryKey());
        await LoadAsync(cancellationToken);
        active.Activated(_id);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        active.Deactivated(_id);
        return Task.CompletedTask;
    }

    public Task<Citizen?> GetAsync() => _citizen is not null ? Task.FromResult<Citizen?>(_citizen) : HeldOrLoadedAsync();

    public Task<CitizenPass?> GetPassAsync()
    {
        // The common case, a pass to hand back or to issue from the held state, completes without awaiting anything.
        if (_citizen is { } citizen)
        {
            var now = clock.GetUtcNow();
            if (_pass is not null && _pass.IsCurrentFor(citizen, now, issuer.SignerAt(now))) return Task.FromResult<CitizenPass?>(_pass);
            if (now - _loadedAt <= MaxStateAge) return Task.FromResult<CitizenPass?>(_pass = issuer.Issue(citizen));
        }
        return IssueAfterLoadingAsync();
    }

    private async Task<CitizenPass?> IssueAfterLoadingAsync()
    {
        if (_citizen is null) await HeldOrLoadedAsync();
        else await RefreshIfReachableAsync();
        return _citizen is null ? null : _pass = issuer.Issue(_citizen);
    }

    public async Task<StatusChangeOutcome> ChangeStatusAsync(StatusColour colour, string reason, string caseRef, string actor, string actorRole)
    {
        await HeldOrLoadedAsync();
        // Not the caller's cancellation: a change that has begun is finished and answered, never left half-told.
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (_citizen is null) return new StatusChangeOutcome(StatusChangeKind.NotFound);
            var change = new StatusChange(_id, colour, reason, caseRef, actor, actorRole, clock.GetUtcNow(), _citizen.Status.Version);
            if (await store.ChangeStatusAsync(change, CancellationToken.None) is { } result)
            {
                _citizen = result.Citizen;
                await PushHotCopyAsync(result.Citizen);
                _pass = issuer.Issue(result.Citizen);
                return new StatusChangeOutcome(StatusChangeKind.Changed, result.Citizen, result.Previous, result.Audit.Sequence);
            }
            // Another writer moved the version (or the citizen is gone): read what is stored, then try on top of it.
            logger.LogInformation("A citizen's status version moved under its grain (held {Version}); reading it again.", change.ExpectedVersion);
            await LoadAsync(CancellationToken.None);
        }
        return new StatusChangeOutcome(_citizen is null ? StatusChangeKind.NotFound : StatusChangeKind.Conflict);
    }

    public Task<IReadOnlyList<Booking>> GetBookingsAsync() => Task.FromResult(_bookings);

    public async Task<bool> SetBookingAsync(Guid venueId, bool booked)
    {
        // As a status change: the store first, then the hot copy, then what is held, then the answer.
        var changed = booked
            ? await store.AddBookingAsync(new Booking(venueId, _id, clock.GetUtcNow()), CancellationToken.None)
            : await store.RemoveBookingAsync(venueId, _id, CancellationToken.None);
        // Pushed even when the store had it already: the hot set may have lost it (a Redis restarted empty).
        try
        {
            await hot.SetBookingAsync(venueId, _id, booked, CancellationToken.None);
        }
        catch (Exception e) when (Problems.StoreFailures.Classify(e) == Problems.Store.HotState)
        {
            // Committed already, so the answer is that it is done; gates see it once the bookings are reconciled.
            logger.LogWarning("A booking was committed but not pushed to the hot store ({Error}); the bookings reconcile will repair it.", e.GetType().Name);
        }
        _bookings = await store.ListBookingsAsync(_id, CancellationToken.None);
        return changed;
    }

    public async Task ReloadAsync()
    {
        await LoadAsync(CancellationToken.None);
        _pass = null;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        _citizen = await store.GetAsync(_id, cancellationToken);
        _bookings = await store.ListBookingsAsync(_id, cancellationToken);
        _loadedAt = clock.GetUtcNow();
    }

    /// <summary>
    /// The held citizen; when there is none, the store is asked again (a citizen imported since is found at
    /// once), and an activation still holding nothing is let go after this call rather than kept idle.
    /// </summary>
    private async Task<Citizen?> HeldOrLoadedAsync()
    {
        if (_citizen is not null) return _citizen;
        await LoadAsync(CancellationToken.None);
        if (_citizen is null) DeactivateOnIdle();
        return _citizen;
    }

    private async Task RefreshIfReachableAsync()
    {
        try
        {
            await LoadAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store is away: the held state is the newest this grain has seen; passes go on from it.
            logger.LogWarning("Could not re-read a citizen from the store ({Error}); issuing from the held state.", e.GetType().Name);
            _loadedAt = clock.GetUtcNow();
        }
    }

    private async Task PushHotCopyAsync(Citizen citizen)
    {
        try
        {
            await hot.PutCitizenAsync(citizen.ToHot(), CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Committed and audited already; gates see it once the reconciler pushes it.
            logger.LogWarning(e, "Status of a citizen committed but not pushed to the hot store; the reconciler will repair it");
        }
    }
}
