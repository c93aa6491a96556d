namespace CityPass.Core.Tokens;

/// <summary>The version of a pass's text, named by its prefix (<c>CP1:</c>, <c>CP2:</c>). Issuers emit v2; v1 is read during the transition.</summary>
public enum PassFormat : byte
{
    /// <summary>Status version and credentials in clear, pseudonym under a keystream, HMAC tag (<see cref="PassTokenV1"/>).</summary>
    V1 = 1,

    /// <summary>Status version, credentials and pseudonym sealed with AES-GCM, whose tag is the issuer's check (<see cref="PassTokenV2"/>).</summary>
    V2 = 2,
}
