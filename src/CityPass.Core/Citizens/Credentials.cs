namespace CityPass.Core.Citizens;

/// <summary>
/// Credentials a citizen holds besides the health status. The bit values are part of the token
/// format (16 bits, clear in v1, sealed in v2): add new credentials at the next free bit, never renumber.
/// </summary>
[Flags]
public enum Credentials : ushort
{
    None = 0,
    /// <summary>A health record (vaccination / test) the issuer vouches for.</summary>
    HealthRecord = 1 << 0,
    /// <summary>Identity verified against the national e-ID.</summary>
    EIdVerified = 1 << 1,
    /// <summary>Holds a social-security card.</summary>
    SocialSecurityCard = 1 << 2,
}

public static class CredentialsExtensions
{
    /// <summary>Every credential this version knows; bits outside it are kept but not named.</summary>
    public const Credentials Known = Credentials.HealthRecord | Credentials.EIdVerified | Credentials.SocialSecurityCard;

    public static bool HasAll(this Credentials held, Credentials required) => (held & required) == required;

    /// <summary>snake_case names of the set bits, as used in JSON: health_record, eid_verified, social_security_card.</summary>
    public static IReadOnlyList<string> ToWireNames(this Credentials credentials)
    {
        var names = new List<string>(3);
        if ((credentials & Credentials.HealthRecord) != 0) names.Add("health_record");
        if ((credentials & Credentials.EIdVerified) != 0) names.Add("eid_verified");
        if ((credentials & Credentials.SocialSecurityCard) != 0) names.Add("social_security_card");
        return names;
    }

    public static bool TryParseWireName(string? name, out Credentials credential)
    {
        credential = name?.Trim().ToLowerInvariant() switch
        {
            "health_record" => Credentials.HealthRecord,
            "eid_verified" => Credentials.EIdVerified,
            "social_security_card" => Credentials.SocialSecurityCard,
            _ => Credentials.None,
        };
        return credential != Credentials.None;
    }
}
