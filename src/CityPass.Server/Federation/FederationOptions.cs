namespace CityPass.Server.Federation;

/// <summary>
/// Section "Federation": this city's federation key (which signs the key-set document other cities fetch), how long
/// a published document lives, and how this city refreshes the documents of the cities it trusts (docs/federation.md).
/// Durations are TimeSpans ("1.00:00:00" is a day, "00:05:00" five minutes).
/// </summary>
public sealed class FederationOptions
{
    /// <summary>The private federation key inline (<c>{"suite":…,"privateKey":…}</c>, e.g. from a Kubernetes secret).</summary>
    public string? KeyJson { get; set; }

    public string KeyFile { get; set; } = ".data/federation-key.json";

    /// <summary>Set where Keys:GenerateIfMissing is (embedded and Development): a missing key is generated into <see cref="KeyFile"/>.</summary>
    public bool GenerateIfMissing { get; set; }

    /// <summary>How long a published document is valid. A city that cannot fetch a newer one stops trusting this one's keys after it, plus its grace.</summary>
    public TimeSpan DocumentLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>A published document older than this is signed again when next asked for, so a fetched copy is never much older than the keys.</summary>
    public TimeSpan ResignAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often every trusted city's document is fetched and the trust reloaded from the store (which is how other servers' changes arrive).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a trusted city's document expires, how long its passes are still accepted on it: an outage of its server should not stop its citizens at once.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<string> Validate()
    {
        if (DocumentLifetime < TimeSpan.FromSeconds(10) || DocumentLifetime > TimeSpan.FromDays(30)) yield return "Federation:DocumentLifetime is between 10 seconds and 30 days.";
        if (ResignAfter < TimeSpan.FromSeconds(1) || ResignAfter >= DocumentLifetime) yield return "Federation:ResignAfter is at least a second and shorter than DocumentLifetime.";
        if (RefreshInterval < TimeSpan.FromSeconds(1) || RefreshInterval > TimeSpan.FromDays(1)) yield return "Federation:RefreshInterval is between 1 second and a day.";
        if (Grace < TimeSpan.Zero || Grace > TimeSpan.FromDays(30)) yield return "Federation:Grace is between 0 and 30 days.";
        if (FetchTimeout < TimeSpan.FromSeconds(1) || FetchTimeout > TimeSpan.FromMinutes(2)) yield return "Federation:FetchTimeout is between 1 second and 2 minutes.";
    }
}
