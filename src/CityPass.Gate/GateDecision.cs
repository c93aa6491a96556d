namespace CityPass.Gate;

/// <summary>Who decided a scan: the server, or the gate alone by its bundle (journalled and uploaded later).</summary>
public enum DecisionMode
{
    Online,
    Offline,
}

/// <summary>
/// What the door controller acts on: open or not, a stable code, the colour to show, and how it was decided.
/// <see cref="Flagged"/>: allowed offline without the check a booking or capacity needs (the venue's allow-and-flag
/// setting). <see cref="Colour"/> and <see cref="DisplayName"/> are empty when the pass could not be read.
/// </summary>
public sealed record GateDecision(
    Guid ScanId,
    bool Allowed,
    string Code,
    string Colour,
    string DisplayName,
    DecisionMode Mode,
    bool Flagged,
    DateTimeOffset ScannedAt,
    TimeSpan Latency)
{
    public string Decision => Allowed ? "allow" : "deny";
}
