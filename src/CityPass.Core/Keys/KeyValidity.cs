namespace CityPass.Core.Keys;

/// <summary>
/// When a key may be used. A key signs from <see cref="ActivatesAt"/> until <see cref="RetiresAt"/>;
/// after retirement its passes still verify until they expire (a pass's issue time must fall inside
/// the window). A revoked key fails at once, whatever the window says.
/// </summary>
public sealed record KeyValidity(DateTimeOffset ActivatesAt, DateTimeOffset? RetiresAt = null, bool Revoked = false)
{
    public bool IsActiveAt(DateTimeOffset now) => !Revoked && ActivatesAt <= now && (RetiresAt is null || now < RetiresAt);

    /// <summary>Whether a pass issued at <paramref name="issuedAt"/> can have come from this key.</summary>
    public bool CoversIssueTime(DateTimeOffset issuedAt, TimeSpan skew) =>
        issuedAt >= ActivatesAt - skew && (RetiresAt is null || issuedAt <= RetiresAt);
}
