using System.Diagnostics;
using System.Globalization;
using CityPass.Core.Gates;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;

namespace CityPass.Gate;

/// <summary>What a bundle fetch found: the bundle now in use, and the gate's clock against the server's.</summary>
public sealed record BundleRefresh(DateTimeOffset IssuedAt, TimeSpan MaxAge, TimeSpan? ClockDrift);

/// <summary>How the gate stands: <c>citypass-gate status</c> prints it.</summary>
public sealed record GateStatus(
    Guid GateId, Uri Server, bool Online, DateTimeOffset? BundleIssuedAt, TimeSpan? BundleAge, bool BundleUsable, long JournalBacklog,
    TimeSpan? ClockDrift, DateTimeOffset? ClockMeasuredAt, long Disagreements);

/// <summary>Upload progress: entries the server has taken so far, and what is left.</summary>
public sealed record SyncProgress(long Uploaded, long Remaining);

/// <summary>An upload's outcome. <see cref="Error"/> is set when it stopped early (the rest stays journalled for the next sync).</summary>
public sealed record SyncReport(long Uploaded, long Duplicates, long Invalid, long Disagreements, long Remaining, string? Error);

/// <summary>
/// A door terminal: decides each scan online within <see cref="GateOptions.OnlineBudget"/> (one retry with the same scan
/// id inside it), else offline by the signed bundle; journals every decision before returning it (an offline one with
/// its pass, to upload); fetches bundles and uploads the journal when asked (<see cref="RefreshBundleAsync"/>,
/// <see cref="SyncAsync"/>). Decisions are made one at a time, as a turnstile lets one person through at a time.
/// </summary>
public sealed class GateTerminal : IDisposable
{
    private static class Keys
    {
        public const string Bundle = "bundle";
        public const string ClockDrift = "clock.drift_ms";
        public const string ClockMeasuredAt = "clock.measured_at";
    }

    /// <summary>A second try is worth it only with this much of the budget left.</summary>
    private static readonly TimeSpan MinimumRetry = TimeSpan.FromMilliseconds(30);

    /// <summary>A pass is remembered a little past its expiry: verifiers accept it a few seconds late.</summary>
    private static readonly TimeSpan SeenMargin = TimeSpan.FromMinutes(1);

    private readonly GateOptions _options;
    private readonly TimeProvider _clock;
    private readonly GateServer _server;
    private readonly GateJournal _journal;
    private readonly SemaphoreSlim _deciding = new(1, 1);
    private readonly Lock _bundleLock = new();
    private OfflineDecider? _offline;
    private TimeSpan? _drift;
    private DateTimeOffset? _driftMeasuredAt;
    private long _offlineUntil;

    private GateTerminal(GateEnrolment enrolment, string credential, string stateDirectory, GateOptions options, TimeProvider clock)
    {
        Enrolment = enrolment;
        _options = options;
        _clock = clock;
        _server = new GateServer(enrolment.Server, credential, options.OnlineBudget);
        _journal = GateJournal.Open(Path.Combine(stateDirectory, GateStateDirectory.JournalFile));
        LoadStoredState();
    }

    public GateEnrolment Enrolment { get; }

    public GateJournal Journal => _journal;

    /// <summary>Opens an enrolled state directory (<see cref="GateEnrolment.EnrolAsync"/>).</summary>
    public static GateTerminal Open(string stateDirectory, GateOptions? options = null, TimeProvider? clock = null)
    {
        options ??= new GateOptions();
        options.Validate();
        var (enrolment, credential) = GateStateDirectory.Read(stateDirectory);
        return new GateTerminal(enrolment, credential, stateDirectory, options, clock ?? TimeProvider.System);
    }

    /// <summary>Decides one scan. Never throws for the server's failures: they make it an offline decision.</summary>
    public async Task<GateDecision> DecideAsync(string text, ScanDirection direction, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await _deciding.WaitAsync(cancellationToken);
        try
        {
            var scanId = Guid.CreateVersion7();
            var scannedAt = _clock.GetUtcNow();
            if (Environment.TickCount64 >= Interlocked.Read(ref _offlineUntil))
            {
                var online = await TryOnlineAsync(text, scanId, direction, scannedAt, started, cancellationToken);
                if (online is not null) return online;
                Interlocked.Exchange(ref _offlineUntil, Environment.TickCount64 + (long)_options.OfflineFor.TotalMilliseconds);
            }
            return DecideOffline(text, scanId, direction, scannedAt, started);
        }
        finally
        {
            _deciding.Release();
        }
    }

    private async Task<GateDecision?> TryOnlineAsync(string text, Guid scanId, ScanDirection direction, DateTimeOffset scannedAt, long started, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var left = _options.OnlineBudget - Stopwatch.GetElapsedTime(started);
            if (left < (attempt == 0 ? TimeSpan.FromMilliseconds(1) : MinimumRetry)) break;
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            budget.CancelAfter(left);
            OnlineAnswer? answer;
            try
            {
                answer = await _server.ScanAsync(text, scanId, direction, scannedAt, budget.Token);
            }
            catch (GateNotAuthorisedException)
            {
                // A revoked credential means this gate must not open the door at all: no offline fallback either.
                _journal.Record(new JournalEntry(0, scanId, "", direction, scannedAt, DecisionMode.Online, false, OfflineCodes.GateNotAuthorised, false));
                return new GateDecision(scanId, false, OfflineCodes.GateNotAuthorised, "", "", DecisionMode.Online, false, scannedAt, Stopwatch.GetElapsedTime(started));
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (answer is null) continue;

            // The server decided; the gate remembers an admitted pass so that, should the server go away, the same
            // pass cannot be used again here offline. The server has verified it, so its token id is read as it stands.
            TokenId? token = null;
            var expires = default(DateTimeOffset);
            if (answer.Allowed && direction == ScanDirection.In && PassVerifier.ReadUnverified(text, out var admitted) == TokenFailure.None)
            {
                token = admitted.TokenId;
                expires = admitted.ExpiresAt + SeenMargin;
            }
            _journal.Record(new JournalEntry(0, scanId, "", direction, scannedAt, DecisionMode.Online, answer.Allowed, answer.Code, false), token, expires);
            return new GateDecision(scanId, answer.Allowed, answer.Code, answer.Colour, answer.DisplayName, DecisionMode.Online, false, scannedAt, Stopwatch.GetElapsedTime(started));
        }
        return null;
    }

    private GateDecision DecideOffline(string text, Guid scanId, ScanDirection direction, DateTimeOffset scannedAt, long started)
    {
        var offline = CurrentOffline();
        var verdict = offline is null
            ? new OfflineVerdict(false, OfflineCodes.NoBundle, "", false, null, default)
            : offline.Decide(text, direction, _drift, _options.MaxClockDrift, token => _journal.WasSeen(token, scannedAt));
        // On disk before the door opens: what the gate did is never lost, whatever happens next.
        _journal.Record(new JournalEntry(0, scanId, text, direction, scannedAt, DecisionMode.Offline, verdict.Allowed, verdict.Code, verdict.Flagged),
            verdict.AllowedToken, verdict.TokenExpiresAt + SeenMargin);
        return new GateDecision(scanId, verdict.Allowed, verdict.Code, verdict.Colour, "", DecisionMode.Offline, verdict.Flagged, scannedAt, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Fetches the gate's bundle, checks it under the pinned federation key for this city and gate, keeps it if it is
    /// not older than the one held, and measures the gate's clock against the server's Date. Throws when the server
    /// does not answer or the bundle is refused (the one held stays in use).
    /// </summary>
    public async Task<BundleRefresh> RefreshBundleAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.BackgroundTimeout);
        var before = _clock.GetUtcNow();
        var (text, serverDate) = await _server.GetBundleAsync(timeout.Token);
        var after = _clock.GetUtcNow();
        var failure = GateBundle.TryVerify(text, Enrolment.FederationKey(), Enrolment.IssuerId, Enrolment.GateId, out var bundle);
        if (failure != GateBundleFailure.None) throw new GateServerException($"The server's bundle was refused: {failure.ToCode()}.");

        // Date has whole seconds, cut down: the server's moment is, on average, half a second later than it says.
        TimeSpan? drift = serverDate is { } date ? before + (after - before) / 2 - (date + TimeSpan.FromMilliseconds(500)) : null;
        var state = new Dictionary<string, string>();
        lock (_bundleLock)
        {
            if (_offline is null || bundle!.IssuedAt >= _offline.Bundle.IssuedAt)
            {
                _offline = new OfflineDecider(bundle!, _clock);
                state[Keys.Bundle] = text;
            }
            if (drift is { } d)
            {
                _drift = d;
                _driftMeasuredAt = after;
                state[Keys.ClockDrift] = ((long)d.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
                state[Keys.ClockMeasuredAt] = after.ToString("O", CultureInfo.InvariantCulture);
            }
        }
        _journal.SetState(state);
        var current = CurrentOffline()!.Bundle;
        return new BundleRefresh(current.IssuedAt, current.MaxAge, _drift);
    }

    /// <summary>
    /// Uploads the offline decisions the server does not have, oldest first, in batches; each batch is marked uploaded
    /// only once the server has answered it, and the server takes each (gate, scan id) once, so a sync cut short and
    /// started again loses and repeats nothing.
    /// </summary>
    public async Task<SyncReport> SyncAsync(IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        long uploaded = 0, duplicates = 0, invalid = 0, disagreements = 0;
        string? error = null;
        while (true)
        {
            var batch = _journal.ToUpload(_options.UploadBatchSize);
            if (batch.Count == 0) break;
            IReadOnlyList<JournalWireResult> results;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.BackgroundTimeout);
                results = await _server.UploadAsync(batch, timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or GateServerException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
            {
                error = e is OperationCanceledException ? "the server did not answer in time" : e.Message;
                break;
            }
            _journal.MarkUploaded([.. results.Select(r => new JournalResult(r.ScanId, r.Status ?? "", r.Decision ?? "", r.Code ?? "", r.Disagrees))]);
            uploaded += results.Count;
            duplicates += results.Count(r => r.Status == "duplicate");
            invalid += results.Count(r => r.Status == "invalid");
            disagreements += results.Count(r => r.Disagrees);
            progress?.Report(new SyncProgress(uploaded, _journal.Backlog()));
        }
        _journal.Prune(_clock.GetUtcNow(), _options.KeepUploadedFor);
        return new SyncReport(uploaded, duplicates, invalid, disagreements, _journal.Backlog(), error);
    }

    public async Task<GateStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.OnlineBudget * 3);
        var online = await _server.PingAsync(timeout.Token);
        var now = _clock.GetUtcNow();
        var bundle = CurrentOffline()?.Bundle;
        return new GateStatus(Enrolment.GateId, Enrolment.Server, online, bundle?.IssuedAt, bundle is null ? null : now - bundle.IssuedAt,
            bundle?.IsUsableAt(now) ?? false, _journal.Backlog(), _drift, _driftMeasuredAt, _journal.Disagreements());
    }

    public void Dispose()
    {
        _server.Dispose();
        _journal.Dispose();
        _deciding.Dispose();
    }

    private OfflineDecider? CurrentOffline()
    {
        lock (_bundleLock) return _offline;
    }

    // The bundle kept from the last run is checked again under the pinned key: the state directory is trusted to keep
    // it, not to vouch for it.
    private void LoadStoredState()
    {
        if (_journal.GetState(Keys.Bundle) is { } text
            && GateBundle.TryVerify(text, Enrolment.FederationKey(), Enrolment.IssuerId, Enrolment.GateId, out var bundle) == GateBundleFailure.None)
        {
            _offline = new OfflineDecider(bundle!, _clock);
        }
        if (_journal.GetState(Keys.ClockDrift) is { } drift && long.TryParse(drift, CultureInfo.InvariantCulture, out var ms)) _drift = TimeSpan.FromMilliseconds(ms);
        if (_journal.GetState(Keys.ClockMeasuredAt) is { } at && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var measured)) _driftMeasuredAt = measured;
    }
}
