namespace CityPass.Server.Federation;

/// <summary>Where a trusted city stands, as health, metrics and the console show it (docs/federation.md).</summary>
public enum TrustState
{
    /// <summary>Added, but no document has verified yet: its passes are unknown_issuer.</summary>
    Pending,
    /// <summary>A document within its validity, and the last refresh went well.</summary>
    Fresh,
    /// <summary>A document within its validity, but the last refresh failed: the document held still counts.</summary>
    Failing,
    /// <summary>The document held has expired and the grace period runs: its passes still count, and someone should look.</summary>
    Stale,
    /// <summary>Expired beyond the grace period: its passes are refused with issuer_trust_expired.</summary>
    Expired,
}
