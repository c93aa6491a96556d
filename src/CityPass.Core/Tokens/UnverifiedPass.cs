using CityPass.Core.Citizens;
using CityPass.Core.Keys;

namespace CityPass.Core.Tokens;

/// <summary>
/// What a pass says about itself in the clear, unverified (<see cref="PassVerifier.ReadUnverified"/>): a forger chooses
/// every value. Enough to record what a refused pass claimed to be; never enough to decide anything.
/// </summary>
public readonly record struct UnverifiedPass(IssuerId Issuer, TokenId TokenId, StatusColour Colour, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);
