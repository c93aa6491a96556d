namespace CityPass.Core.Venues;

/// <summary>
/// What a gate that cannot reach the server does with an entry its bundle alone cannot decide: one that needs a booking
/// (the bookings are the server's) or that a capacity limit could refuse (the occupancy is the server's). Everything else
/// (the colour, credentials, opening hours, a pass already used at this gate) the gate decides offline either way.
/// </summary>
public enum OfflineUndecidable
{
    /// <summary>Keep the door shut (code <c>offline_undecidable</c>): the safe default.</summary>
    Deny,

    /// <summary>Open, and mark the journalled decision as flagged so the server's after-the-fact check and the operator look at it.</summary>
    AllowAndFlag,
}

public static class OfflineUndecidableExtensions
{
    public static string ToWireName(this OfflineUndecidable value) => value switch
    {
        OfflineUndecidable.Deny => "deny",
        OfflineUndecidable.AllowAndFlag => "allow_and_flag",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };

    public static bool TryParseWireName(string? name, out OfflineUndecidable value)
    {
        switch (name)
        {
            case "deny": value = OfflineUndecidable.Deny; return true;
            case "allow_and_flag": value = OfflineUndecidable.AllowAndFlag; return true;
            default: value = default; return false;
        }
    }
}
