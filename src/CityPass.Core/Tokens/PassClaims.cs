using CityPass.Core.Citizens;
using CityPass.Core.Keys;

namespace CityPass.Core.Tokens;

/// <summary>
/// What a verified pass says. <see cref="Pseudonym"/> is known only to the issuer, which alone can
/// decrypt it; so are <see cref="StatusVersion"/> and <see cref="Credentials"/> of a v2 pass, sealed with them.
/// Any other verifier sees validity and colour (and, of a v1 pass, the version and credentials), not who it is.
/// </summary>
/// <param name="StatusVersion">Null where this verifier cannot read it: a v2 pass checked by signature.</param>
/// <param name="Credentials">Null where this verifier cannot read them: a v2 pass checked by signature.</param>
public readonly record struct PassClaims(
    IssuerId Issuer,
    SignatureSuite Suite,
    ushort KeyId,
    byte SecretId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    StatusColour Colour,
    uint? StatusVersion,
    Credentials? Credentials,
    TokenId TokenId,
    CitizenPseudonym? Pseudonym);

/// <summary>The citizen facts a pass is issued from.</summary>
public readonly record struct CitizenPassState(CitizenPseudonym Pseudonym, StatusColour Colour, uint StatusVersion, Credentials Credentials);

/// <summary>A freshly issued pass.</summary>
public sealed record IssuedPass(string Text, TokenId TokenId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>The outcome of verifying a pass: claims when <see cref="IsValid"/>, else a failure with a stable code.</summary>
public readonly record struct PassVerification(TokenFailure Failure, PassClaims Claims)
{
    public bool IsValid => Failure == TokenFailure.None;

    public string Code => Failure.ToCode();

    internal static PassVerification Fail(TokenFailure failure) => new(failure, default);
}
