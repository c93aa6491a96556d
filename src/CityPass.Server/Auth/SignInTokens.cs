using System.Security.Claims;
using CityPass.Core.Citizens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CityPass.Server.Auth;

/// <summary>Issues the bearer tokens (JWT, HS256) that staff and citizens sign in with.</summary>
public sealed class SignInTokens(SignInKey key, TimeProvider clock)
{
    public const string Issuer = "citypass";
    public const string StaffAudience = "citypass-staff";
    public const string CitizenAudience = "citypass-citizen";
    public static readonly TimeSpan StaffLifetime = TimeSpan.FromHours(8);
    public static readonly TimeSpan CitizenLifetime = TimeSpan.FromDays(7);

    /// <summary>The one algorithm tokens are signed with, and the only one validation accepts.</summary>
    public const string Algorithm = SecurityAlgorithms.HmacSha256;

    private static readonly JsonWebTokenHandler Handler = new();

    public SymmetricSecurityKey SigningKey { get; } = new(key.Key);

    /// <summary>A staff token: who, in which role, for which venues, and the account's security stamp when it was issued.</summary>
    public (string Token, DateTimeOffset ExpiresAt) ForStaff(Guid id, string username, OperatorRole role, IReadOnlyList<Guid> venueIds, string securityStamp)
    {
        var roleName = role switch
        {
            OperatorRole.CityAdmin => Roles.CityAdmin,
            OperatorRole.HealthAuthority => Roles.HealthAuthority,
            OperatorRole.VenueOperator => Roles.VenueOperator,
        };
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, id.ToString()),
            new(ClaimTypes.Name, username),
            new(ClaimTypes.Role, roleName),
            new(Roles.StampClaim, securityStamp),
        };
        claims.AddRange(venueIds.Select(v => new Claim(Roles.VenueClaim, v.ToString())));
        return Create(claims, StaffAudience, StaffLifetime);
    }

    public (string Token, DateTimeOffset ExpiresAt) ForCitizen(CitizenPseudonym citizen) =>
        Create([new Claim(JwtRegisteredClaimNames.Sub, citizen.ToString()), new Claim(ClaimTypes.Role, Roles.Citizen)], CitizenAudience, CitizenLifetime);

    private (string, DateTimeOffset) Create(IEnumerable<Claim> claims, string audience, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        var expires = now + lifetime;
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKey, Algorithm),
        });
        return (token, expires);
    }
}
