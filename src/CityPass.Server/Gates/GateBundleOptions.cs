namespace CityPass.Server.Gates;

/// <summary>Section "Gates": how long a gate may decide offline by the bundle it fetched last.</summary>
public sealed class GateBundleOptions
{
    /// <summary>
    /// Past this, an offline gate refuses every pass with its own reason instead of deciding by a bundle that may miss a
    /// revocation or a policy change. A gate fetches a new one whenever it is online, so this is the longest offline
    /// spell a gate rides out.
    /// </summary>
    public TimeSpan BundleMaxAge { get; set; } = TimeSpan.FromHours(24);

    public IEnumerable<string> Validate()
    {
        if (BundleMaxAge < TimeSpan.FromMinutes(1) || BundleMaxAge > TimeSpan.FromDays(7)) yield return "Gates:BundleMaxAge is between 1 minute and 7 days.";
    }
}
