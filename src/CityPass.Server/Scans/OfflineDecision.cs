namespace CityPass.Server.Scans;

/// <summary>
/// What a gate decided on its own while the server did not answer, as its journal reports it (POST /v1/gates/me/journal).
/// <see cref="Code"/> is the gate's reason, a decision code or one of its own (e.g. a stale bundle); <see cref="Flagged"/>:
/// the gate let the citizen in without being able to check what only the server knows (a booking, capacity), as the
/// venue's offline setting allows.
/// </summary>
public sealed record OfflineDecision(bool Allowed, string Code, bool Flagged)
{
    /// <summary>The longest code a gate may report.</summary>
    public const int MaxCodeLength = 64;
}
