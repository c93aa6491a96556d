namespace CityPass.Server.Identify;

/// <summary>The stable codes of a scan answer's <c>identity</c>; a venue's desk system branches on these.</summary>
public static class IdentifyCodes
{
    /// <summary>The member id and the consented claims are in the answer, and the disclosure is logged.</summary>
    public const string Shared = "identity_shared";

    /// <summary>The citizen has not agreed to be identified at venues of this kind (or withdrew): nothing is shared.</summary>
    public const string ConsentMissing = "consent_missing";

    /// <summary>
    /// The consent or the record could not be read, or the disclosure could not be logged, within the scan's budget:
    /// nothing is shared (a disclosure that is not logged is not made). The entry decision stands.
    /// </summary>
    public const string Unavailable = "identity_unavailable";
}
