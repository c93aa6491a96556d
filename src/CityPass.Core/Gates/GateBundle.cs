using System.Text.Json;
using System.Text.Json.Serialization;
using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;

namespace CityPass.Core.Gates;

/// <summary>
/// What a gate decides by while the server does not answer: the public key sets it may trust (this city's and the
/// trusted cities', with revocations, each until its trust ends), its venue's policy, when the bundle was issued and
/// how long it may be used. Signed by the city's federation key under its own type, so a bundle is never taken for a
/// key-set document or the other way round; the gate pins that key at enrolment. No secret is in it: offline, passes
/// are checked by signature only (docs/gate-sdk.md). <see cref="AcceptV1Until"/> is the city's end of the v1 transition
/// window, so a gate refuses v1 passes offline from the moment the server does (a bundle signed before the field was
/// added is read with <see cref="PassVerifierOptions.DefaultAcceptV1Until"/>).
/// </summary>
public sealed record GateBundle(
    IssuerId Issuer,
    Guid GateId,
    Guid VenueId,
    DateTimeOffset IssuedAt,
    TimeSpan MaxAge,
    IReadOnlyList<PublicKeySet> KeySets,
    VenuePolicy Policy,
    DateTimeOffset AcceptV1Until)
{
    /// <summary>Key sets of a few dozen cities and a policy fit many times over.</summary>
    public const int MaxBundleBytes = 256 * 1024;

    public const string MediaType = "citypass-gate-bundle+jws";

    public const string PayloadType = "citypass-gate-bundle/1";

    /// <summary>Whether a gate whose clock reads <paramref name="now"/> may still decide by this bundle.</summary>
    public bool IsUsableAt(DateTimeOffset now) => now >= IssuedAt - TimeSpan.FromMinutes(5) && now - IssuedAt <= MaxAge;

    /// <summary>The trust an offline verifier reads: every key set in the bundle, each until its own end.</summary>
    public TrustStore Trust() => new(KeySets);

    /// <summary>How an offline verifier reads passes by this bundle: v1 only within the city's transition window.</summary>
    public PassVerifierOptions VerifierOptions() => new() { AcceptV1Until = AcceptV1Until };

    public static string Sign(GateBundle bundle, SigningKey cityKey)
    {
        var payload = new GateBundlePayload(
            PayloadType, bundle.Issuer.ToString(), bundle.GateId, bundle.VenueId, bundle.IssuedAt.ToUniversalTime(), (long)bundle.MaxAge.TotalSeconds,
            bundle.KeySets.Select(k => new GateBundleKeySet(k.Issuer.ToString(), k.TrustedUntil?.ToUniversalTime(), KeySetJson.ToDocuments(k))).ToList(),
            VenuePolicyDocument.From(bundle.Policy), bundle.AcceptV1Until.ToUniversalTime());
        return FlattenedJws.Sign(JsonSerializer.SerializeToUtf8Bytes(payload, GateBundleJson.Options), MediaType, cityKey);
    }

    /// <summary>
    /// Opens a bundle signed under the pinned <paramref name="cityKey"/> for this city and gate. Never throws on bad
    /// input; whether it is still usable is <see cref="IsUsableAt"/>'s to say.
    /// </summary>
    public static GateBundleFailure TryVerify(string text, VerificationKey cityKey, IssuerId issuer, Guid gateId, out GateBundle? bundle)
    {
        bundle = null;
        switch (FlattenedJws.TryOpen(text, MaxBundleBytes, MediaType, cityKey, out var bytes))
        {
            case JwsFailure.TooLarge: return GateBundleFailure.TooLarge;
            case JwsFailure.Malformed: return GateBundleFailure.Malformed;
            case JwsFailure.AlgorithmMismatch: return GateBundleFailure.AlgorithmMismatch;
            case JwsFailure.SignatureInvalid: return GateBundleFailure.SignatureInvalid;
        }
        try
        {
            var p = JsonSerializer.Deserialize<GateBundlePayload>(bytes, GateBundleJson.Options);
            if (p is not { Type: PayloadType, IssuedAt: { } issuedAt, MaxAgeSeconds: > 0 and var maxAge, Policy: { } policyDocument }
                || !IssuerId.TryParse(p.Issuer, out var bundleIssuer))
            {
                return GateBundleFailure.Malformed;
            }
            if (bundleIssuer != issuer || p.GateId != gateId) return GateBundleFailure.NotForThisGate;
            var (policy, _) = policyDocument.ToPolicy();
            if (policy is null) return GateBundleFailure.Malformed;
            var keySets = (p.KeySets ?? []).Select(k => KeySetJson.FromDocuments(k.Issuer, k.Keys).TrustedUntilAt(k.TrustedUntil)).ToList();
            bundle = new GateBundle(bundleIssuer, p.GateId, p.VenueId, issuedAt, TimeSpan.FromSeconds(maxAge), keySets, policy,
                p.AcceptV1Until ?? PassVerifierOptions.DefaultAcceptV1Until);
            return GateBundleFailure.None;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return GateBundleFailure.Malformed;
        }
    }
}

internal sealed record GateBundlePayload(
    string? Type, string? Issuer, Guid GateId, Guid VenueId, DateTimeOffset? IssuedAt, long MaxAgeSeconds, List<GateBundleKeySet>? KeySets, VenuePolicyDocument? Policy,
    DateTimeOffset? AcceptV1Until);

internal sealed record GateBundleKeySet(string? Issuer, DateTimeOffset? TrustedUntil, List<PublicKeyDocument>? Keys);

internal static class GateBundleJson
{
    // Reflection-based like the API's own JSON (the policy document is the API's type); '+' left as is for readers.
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
