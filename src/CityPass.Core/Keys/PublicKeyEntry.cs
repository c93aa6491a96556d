namespace CityPass.Core.Keys;

/// <summary>One public key of an issuer's published key set.</summary>
public sealed record PublicKeyEntry(ushort Id, KeyValidity Validity, VerificationKey Key);

/// <summary>One private signing key of the issuing city.</summary>
public sealed record SigningKeyEntry(ushort Id, KeyValidity Validity, SigningKey Key)
{
    public PublicKeyEntry ToPublic() => new(Id, Validity, Key.PublicKey);
}
