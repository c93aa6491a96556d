using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Keys;
using CityPass.Server.Problems;

namespace CityPass.Server.Federation;

public sealed record TrustedCityDraft(string? Issuer, string? Name, string? FederationSuite, string? FederationPublicKey, string? DocumentUrl);

public sealed record TrustedKeyView(ushort Kid, string Suite, DateTimeOffset ActivatesAt, DateTimeOffset? RetiresAt, bool Revoked);

/// <summary>A trusted city as the API and the console show it. <see cref="State"/> is pending, fresh, failing, stale or expired.</summary>
public sealed record TrustedCityView(
    string Issuer, string Name, string FederationSuite, string FederationPublicKey, string FederationKeyFingerprint, string? DocumentUrl,
    string State, DateTimeOffset? DocumentIssuedAt, DateTimeOffset? DocumentExpiresAt, DateTimeOffset? TrustedUntil, IReadOnlyList<TrustedKeyView> Keys,
    DateTimeOffset? LastCheckedAt, string? LastError, DateTimeOffset AddedAt, string AddedBy);

/// <summary>What a refresh or an upload did: accepted (a newer document), unchanged (the same or an older one), or refused with a code.</summary>
public sealed record DocumentCheck(string Result, string? Code, TrustedCityView City);

/// <summary>
/// The cities this city trusts (CityAdmin): add one with its pinned federation key and document URL, change or remove
/// it, refresh or upload its document. Every change is stored with its audit entry, together or not at all
/// (<see cref="AuditOf{T}"/>); each one reloads this server's trust at once (the others reload on their next refresh).
/// Adding a city with a document URL, or changing its key or URL, is two such steps: the city, then its document.
/// </summary>
public sealed class TrustedCityService(
    ITrustedCityStore store, FederatedTrust trust, KeyMaterial keys, IHttpClientFactory http, TimeProvider clock, ILogger<TrustedCityService> logger)
{
    public const string HttpClientName = "federation";
    public const string Refresher = "system:federation-refresh";
    private const int MaxUrlLength = 2000;
    private const string AcceptAction = "federation.document.accept";

    public async Task<IReadOnlyList<TrustedCityView>> ListAsync(CancellationToken ct) =>
        (await store.ListAsync(ct)).Select(View).ToList();

    public async Task<Outcome<TrustedCityView>> GetAsync(string issuer, CancellationToken ct) =>
        await store.GetAsync(issuer, ct) is { } city ? View(city) : Failure.NotFound("Trusted city");

    public async Task<Outcome<TrustedCityView>> AddAsync(AccessScope scope, TrustedCityDraft draft, CancellationToken ct)
    {
        if (Validate(draft, draft.Issuer, out var fingerprint) is { } invalid) return invalid;
        var now = clock.GetUtcNow();
        var city = new TrustedCity(draft.Issuer!.Trim(), draft.Name!.Trim(), Suite(draft), draft.FederationPublicKey!.Trim(), Url(draft), now, scope.Actor);
        if (!await store.AddAsync(city, added => Entry(now, scope.Actor, "federation.city.add", added.Issuer, null, Describe(added, fingerprint)), ct))
        {
            return Failure.Conflict($"City {city.Issuer} is already trusted.");
        }
        if (city.DocumentUrl is not null) await FetchAsync(city, scope.Actor, checkAction: null, ct);
        await trust.ReloadAsync(ct);
        return View(await store.GetAsync(city.Issuer, ct) ?? city);
    }

    public async Task<Outcome<TrustedCityView>> UpdateAsync(AccessScope scope, string issuer, TrustedCityDraft draft, CancellationToken ct)
    {
        if (await store.GetAsync(issuer, ct) is not { } existing) return Failure.NotFound("Trusted city");
        if (Validate(draft, issuer, out var fingerprint) is { } invalid) return invalid;
        var updated = existing with { Name = draft.Name!.Trim(), FederationSuite = Suite(draft), FederationPublicKey = draft.FederationPublicKey!.Trim(), DocumentUrl = Url(draft) };
        // A document verified under the old key says nothing under the new one: it goes, and is fetched again.
        var keyChanged = updated.FederationSuite != existing.FederationSuite || updated.FederationPublicKey != existing.FederationPublicKey;
        if (keyChanged) updated = updated.WithoutDocument();
        var now = clock.GetUtcNow();
        if (!await store.UpdateAsync(updated,
                stored => Entry(now, scope.Actor, "federation.city.update", issuer, Describe(existing, FingerprintOf(existing)), Describe(stored, fingerprint)), ct))
        {
            return Failure.NotFound("Trusted city");
        }
        if (updated.DocumentUrl is not null && (keyChanged || updated.DocumentUrl != existing.DocumentUrl)) await FetchAsync(updated, scope.Actor, checkAction: null, ct);
        await trust.ReloadAsync(ct);
        return View(await store.GetAsync(issuer, ct) ?? updated);
    }

    public async Task<Failure?> RemoveAsync(AccessScope scope, string issuer, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (!await store.RemoveAsync(issuer, removed => Entry(now, scope.Actor, "federation.city.remove", issuer, Describe(removed, FingerprintOf(removed)), null), ct))
        {
            return Failure.NotFound("Trusted city");
        }
        await trust.ReloadAsync(ct);
        return null;
    }

    /// <summary>Fetches the city's document now (a CityAdmin's "refresh", or the refresher with <see cref="Refresher"/> as actor).</summary>
    public async Task<Outcome<DocumentCheck>> RefreshAsync(string actor, string issuer, CancellationToken ct)
    {
        if (await store.GetAsync(issuer, ct) is not { } city) return Failure.NotFound("Trusted city");
        if (city.DocumentUrl is null) return Failure.Invalid("documentUrl", "This city has no document URL: upload its document instead.");
        var (result, code) = await FetchAsync(city, actor, actor == Refresher ? null : "federation.document.refresh", ct);
        await trust.ReloadAsync(ct);
        return new DocumentCheck(result, code, View(await store.GetAsync(issuer, ct) ?? city));
    }

    /// <summary>A document a CityAdmin uploads (a city that publishes no URL, or one unreachable from here). Refused: 422 with its code, the held one kept.</summary>
    public async Task<Outcome<DocumentCheck>> UploadAsync(AccessScope scope, string issuer, string document, CancellationToken ct)
    {
        if (await store.GetAsync(issuer, ct) is not { } city) return Failure.NotFound("Trusted city");
        var (result, code) = await AcceptAsync(city, document, scope.Actor, "federation.document.upload", ct);
        await trust.ReloadAsync(ct);
        if (result == "refused")
        {
            return new Failure(StatusCodes.Status422UnprocessableEntity, code!, "The document was not accepted; the one held is kept.");
        }
        return new DocumentCheck(result, code, View(await store.GetAsync(issuer, ct) ?? city));
    }

    /// <summary>Every city with a URL, one after the other; a city that fails does not stop the others.</summary>
    public async Task RefreshAllAsync(CancellationToken ct)
    {
        foreach (var city in await store.ListAsync(ct))
        {
            if (city.DocumentUrl is not null) await FetchAsync(city, Refresher, checkAction: null, ct);
        }
        await trust.ReloadAsync(ct);
    }

    /// <param name="checkAction">
    /// What a member of staff's refresh or upload is audited as, once, whatever comes of it (a refused document is an
    /// attempt worth knowing of); null: only an accepted document is audited, as <c>federation.document.accept</c>.
    /// </param>
    private async Task<(string Result, string? Code)> FetchAsync(TrustedCity city, string actor, string? checkAction, CancellationToken ct)
    {
        string text;
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var response = await client.GetAsync(city.DocumentUrl, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode) return await RefusedAsync(city, actor, checkAction, FederationCodes.DocumentUnreachable, $"HTTP {(int)response.StatusCode}", ct);
            if (response.Content.Headers.ContentLength > SignedKeySet.MaxDocumentBytes) return await RefusedAsync(city, actor, checkAction, KeySetDocumentFailure.TooLarge.ToCode(), null, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[SignedKeySet.MaxDocumentBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), ct)) > 0) length += read;
            if (length > SignedKeySet.MaxDocumentBytes) return await RefusedAsync(city, actor, checkAction, KeySetDocumentFailure.TooLarge.ToCode(), null, ct);
            text = System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return await RefusedAsync(city, actor, checkAction, FederationCodes.DocumentUnreachable, e.GetType().Name, ct);
        }
        return await AcceptAsync(city, text, actor, checkAction, ct);
    }

    /// <param name="checkAction">As for <see cref="FetchAsync"/>.</param>
    private async Task<(string Result, string? Code)> AcceptAsync(TrustedCity city, string text, string actor, string? checkAction, CancellationToken ct)
    {
        if (!IssuerId.TryParse(city.Issuer, out var issuer)) return await RefusedAsync(city, actor, checkAction, KeySetDocumentFailure.IssuerMismatch.ToCode(), null, ct);
        var failure = SignedKeySet.TryVerify(text, FederationKey.ImportPublic(city.FederationSuite, city.FederationPublicKey), issuer, out var document);
        var now = clock.GetUtcNow();
        if (failure == KeySetDocumentFailure.None && document!.ExpiresAt <= now) failure = KeySetDocumentFailure.Expired;
        if (failure != KeySetDocumentFailure.None) return await RefusedAsync(city, actor, checkAction, failure.ToCode(), null, ct);

        var accepted = CheckAudit(city, actor, checkAction, "accepted", null, now)
            ?? (_ => Entry(now, actor, AcceptAction, city.Issuer, Window(city.DocumentIssuedAt, city.DocumentExpiresAt), Describe(document!)));
        if (await store.AcceptDocumentAsync(city.Issuer, text, document!.IssuedAt, document.ExpiresAt, now, accepted, ct))
        {
            logger.LogInformation("Accepted the key-set document of trusted city {Issuer} issued at {IssuedAt}", city.Issuer, document.IssuedAt);
            return ("accepted", null);
        }
        // Not newer than the one held. From the refresher that is ordinary (the other city's servers each sign their
        // own, minutes apart); as an upload it says the file is old.
        var (result, code) = actor == Refresher || SameMicrosecond(document.IssuedAt, city.DocumentIssuedAt)
            ? ("unchanged", (string?)null)
            : ("refused", KeySetDocumentFailure.NotNewer.ToCode());
        await store.RecordCheckAsync(city.Issuer, now, null, CheckAudit(city, actor, checkAction, result, code, now), ct);
        return (result, code);
    }

    /// <summary>The one entry of a member of staff's refresh or upload (<paramref name="checkAction"/>), made from the document held after it; null for any other check.</summary>
    private static AuditOf<TrustedCity>? CheckAudit(TrustedCity before, string actor, string? checkAction, string result, string? code, DateTimeOffset at) =>
        checkAction is null ? null : after => Entry(at, actor, checkAction, before.Issuer, Window(before.DocumentIssuedAt, before.DocumentExpiresAt),
            $"{result}{(code is null ? "" : " " + code)}; {Window(after.DocumentIssuedAt, after.DocumentExpiresAt)}");

    // PostgreSQL keeps microseconds, .NET ticks of 100 ns: the same document read back from the store compares equal here.
    private static bool SameMicrosecond(DateTimeOffset a, DateTimeOffset? b) =>
        b is { } held && a.UtcTicks / TimeSpan.TicksPerMicrosecond == held.UtcTicks / TimeSpan.TicksPerMicrosecond;

    private static string Window(DateTimeOffset? issuedAt, DateTimeOffset? expiresAt) =>
        issuedAt is null ? "no document" : $"document issued {issuedAt:O}, expires {expiresAt:O}";

    private static string Describe(SignedKeySet document) =>
        $"{Window(document.IssuedAt, document.ExpiresAt)}, keys {string.Join(", ", document.Keys.Keys.Select(k => $"{k.Id}{(k.Validity.Revoked ? " revoked" : "")}"))}";

    private async Task<(string Result, string? Code)> RefusedAsync(TrustedCity city, string actor, string? checkAction, string code, string? detail, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await store.RecordCheckAsync(city.Issuer, now, code, CheckAudit(city, actor, checkAction, "refused", code, now), ct);
        logger.LogWarning("The key-set document of trusted city {Issuer} was not accepted: {Code} {Detail}; the one held is kept", city.Issuer, code, detail);
        return ("refused", code);
    }

    private Failure? Validate(TrustedCityDraft draft, string? issuer, out string fingerprint)
    {
        fingerprint = "";
        var errors = new Dictionary<string, string[]>();
        if (issuer?.Trim() is not { Length: 6 } code || !IssuerId.TryParse(code, out var id)) errors["issuer"] = ["The issuer is the city's six-digit division code."];
        else if (id == keys.Issuer) errors["issuer"] = ["This is this city's own issuer code."];
        if (string.IsNullOrWhiteSpace(draft.Name) || draft.Name.Trim().Length > 100) errors["name"] = ["A name of 1 to 100 characters is required."];
        if (!SignatureSuiteExtensions.TryParseWireName(draft.FederationSuite ?? "ES256", out _)) errors["federationSuite"] = ["The suite is ES256 or SM2-SM3."];
        else try
        {
            fingerprint = FederationKey.FingerprintOf(FederationKey.ImportPublic(draft.FederationSuite ?? "ES256", draft.FederationPublicKey?.Trim()));
        }
        catch (FormatException e)
        {
            errors["federationPublicKey"] = [e.Message + " Paste the other city's federation public key (base64 SubjectPublicKeyInfo) and compare its fingerprint with theirs."];
        }
        if (draft.DocumentUrl is { Length: > 0 } url && (url.Length > MaxUrlLength || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
        {
            errors["documentUrl"] = ["The document URL is an absolute http or https URL (the document is signed, so http does not weaken it)."];
        }
        return errors.Count > 0 ? Failure.Invalid(errors) : null;
    }

    private TrustedCityView View(TrustedCity city)
    {
        var state = trust.Cities.FirstOrDefault(c => c.City.Issuer == city.Issuer);
        var keySet = trust.Current.Find(IssuerId.TryParse(city.Issuer, out var id) ? id : default);
        var signed = keySet?.TrustedUntil is not null;
        return new TrustedCityView(city.Issuer, city.Name, city.FederationSuite, city.FederationPublicKey, FingerprintOf(city), city.DocumentUrl,
            trust.StateOf(city, clock.GetUtcNow()).ToString().ToLowerInvariant(), city.DocumentIssuedAt, city.DocumentExpiresAt, state?.TrustedUntil,
            signed ? keySet!.Keys.Select(k => new TrustedKeyView(k.Id, k.Key.Suite.ToWireName(), k.Validity.ActivatesAt, k.Validity.RetiresAt, k.Validity.Revoked)).ToList() : [],
            city.LastCheckedAt, city.LastError, city.AddedAt, city.AddedBy);
    }

    private static string Suite(TrustedCityDraft draft) =>
        SignatureSuiteExtensions.TryParseWireName(draft.FederationSuite ?? "ES256", out var suite) ? suite.ToWireName() : "ES256";

    private static string? Url(TrustedCityDraft draft) => string.IsNullOrWhiteSpace(draft.DocumentUrl) ? null : draft.DocumentUrl.Trim();

    private static string FingerprintOf(TrustedCity city)
    {
        try
        {
            return FederationKey.FingerprintOf(FederationKey.ImportPublic(city.FederationSuite, city.FederationPublicKey));
        }
        catch (FormatException)
        {
            return "";
        }
    }

    private static AuditDraft Entry(DateTimeOffset at, string actor, string action, string issuer, string? before, string? after) =>
        new(at, actor, action, $"city:{issuer}", before, after, action, null);

    private static string Describe(TrustedCity city, string fingerprint) =>
        $"{city.Name}; key {city.FederationSuite} {fingerprint}; url {city.DocumentUrl ?? "(upload)"}";
}
