namespace CityPass.Server.Auth;

/// <summary>
/// The HMAC-SHA256 key that signs staff and citizen sign-in tokens. It is derived from the server secret where the
/// server is composed (Hosting), so that Auth reads no key material of its own and the Keys feature may use Auth's
/// access rules.
/// </summary>
public sealed class SignInKey(byte[] key)
{
    public byte[] Key { get; } = key;
}
