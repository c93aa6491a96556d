namespace CityPass.Server.Operators;

/// <summary>Staff accounts (PostgreSQL, or memory when embedded). Usernames are unique, compared case-insensitively.</summary>
public interface IOperatorStore
{
    Task<Operator?> FindByUsernameAsync(string username, CancellationToken cancellationToken);

    Task<Operator?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Ordered by username.</summary>
    Task<IReadOnlyList<Operator>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Null when the username is taken.</summary>
    Task<Operator?> CreateAsync(Operator op, CancellationToken cancellationToken);

    /// <summary>Replaces username, display name, password hash, role, venues and security stamp; null when missing or the new username is taken.</summary>
    Task<Operator?> UpdateAsync(Operator op, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken);
}
