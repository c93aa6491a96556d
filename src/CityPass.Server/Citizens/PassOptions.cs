namespace CityPass.Server.Citizens;

/// <summary>Section "Passes".</summary>
public sealed class PassOptions
{
    /// <summary>How long a pass is valid; it rotates, so a photographed pass is soon worthless.</summary>
    public int LifetimeSeconds { get; set; } = 60;

    /// <summary>How much clock disagreement a verifier tolerates.</summary>
    public int ClockSkewSeconds { get; set; } = 5;

    /// <summary>How many citizens' current passes one process keeps (about 1 KB each); more are issued afresh.</summary>
    public int MaxCachedPasses { get; set; } = 200_000;

    public IEnumerable<string> Validate()
    {
        if (LifetimeSeconds is < 10 or > 600) yield return "Passes:LifetimeSeconds is between 10 and 600.";
        if (ClockSkewSeconds is < 0 or > 60) yield return "Passes:ClockSkewSeconds is between 0 and 60.";
        if (MaxCachedPasses is < 1 or > 10_000_000) yield return "Passes:MaxCachedPasses is between 1 and 10,000,000.";
    }
}
