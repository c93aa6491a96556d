using CityPass.Server.Auth;

namespace CityPass.Server.Operators;

/// <summary>
/// A member of staff who signs in to the console or the API. A venue operator sees only
/// <see cref="VenueIds"/>; the other roles are city-wide. <see cref="PasswordHash"/> is the
/// framework's PasswordHasher format.
/// </summary>
public sealed record Operator(
    Guid Id,
    string Username,
    string DisplayName,
    string PasswordHash,
    OperatorRole Role,
    IReadOnlyList<Guid> VenueIds,
    DateTimeOffset CreatedAt)
{
    /// <summary>
    /// Random, replaced on every change of the account. Sign-in tokens and console cookies carry the
    /// stamp they were issued with; one that no longer matches (or a deleted account) is refused.
    /// </summary>
    public string SecurityStamp { get; init; } = NewStamp();

    /// <summary>When a city admin disabled the account; null while it is active. A disabled account cannot sign in.</summary>
    public DateTimeOffset? DisabledAt { get; init; }

    public bool IsDisabled => DisabledAt is not null;

    public static string NewStamp() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
