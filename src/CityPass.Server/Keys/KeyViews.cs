namespace CityPass.Server.Keys;

/// <summary>
/// One key of this city's set as staff see it: never its private half. <see cref="Kind"/> is signing (checked by
/// everyone with the public key) or secret (checked by this city's API, and hides the pseudonym); <see cref="State"/>
/// is pending, active, retired or revoked; <see cref="Signs"/> marks the key of its kind that issues passes now.
/// </summary>
public sealed record IssuerKeyView(
    string Kind, int Id, string State, bool Signs, DateTimeOffset ActivatesAt, DateTimeOffset? RetiresAt, string? Suite, string? Fingerprint);

/// <summary>The key set: every key, and the version (one more per change).</summary>
public sealed record KeySetView(string Issuer, string Suite, long Version, IReadOnlyList<IssuerKeyView> Keys);

/// <summary>A new signing key and secret that take over at <see cref="ActivatesAt"/> (default: now + Keys:ActivationLead).</summary>
public sealed record KeyCreateRequest(DateTimeOffset? ActivatesAt, string? Reason);

/// <summary>Why staff activate, retire or revoke a key: written to the audit log.</summary>
public sealed record KeyChangeRequest(string? Reason);
