using CityPass.Core.Keys;

namespace CityPass.Server.Keys;

/// <summary>A key set in words for the audit log: each key's kind, id, state and window; never a private half.</summary>
public static class KeySetDescription
{
    public static string Of(IssuerKeySet keys, DateTimeOffset now) => string.Join("; ",
        keys.SigningKeys.Select(k => Describe("signing", k.Id, k.Validity, now))
            .Concat(keys.Secrets.Select(s => Describe("secret", s.Id, s.Validity, now))));

    private static string Describe(string kind, int id, KeyValidity v, DateTimeOffset now) =>
        $"{kind} {id} {KeyLifecycle.StateOf(v, now).ToString().ToLowerInvariant()} from {v.ActivatesAt:O}{(v.RetiresAt is { } r ? $" to {r:O}" : "")}";
}
