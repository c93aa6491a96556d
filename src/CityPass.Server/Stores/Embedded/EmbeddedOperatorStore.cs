using CityPass.Server.Audit;
using CityPass.Server.Operators;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// Staff accounts in memory, for the embedded default. A change and its audit entry are one step under the lock, the
/// entry first: if it cannot be appended, nothing changes.
/// </summary>
public sealed class EmbeddedOperatorStore(EmbeddedAuditLog auditLog) : IOperatorStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Operator> _byId = [];

    public Task<Operator?> FindByUsernameAsync(string username, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byId.Values.FirstOrDefault(o => string.Equals(o.Username, username, StringComparison.OrdinalIgnoreCase)));
    }

    public Task<Operator?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byId.GetValueOrDefault(id));
    }

    public Task<IReadOnlyList<Operator>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<Operator>>(_byId.Values.OrderBy(o => o.Username, StringComparer.OrdinalIgnoreCase).ToList());
    }

    public Task<Operator?> CreateAsync(Operator op, AuditOf<Operator> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        lock (_lock)
        {
            if (UsernameTaken(op.Username, except: null) || _byId.ContainsKey(op.Id)) return Task.FromResult<Operator?>(null);
            auditLog.AppendLocked(audit(op));
            _byId.Add(op.Id, op);
            return Task.FromResult<Operator?>(op);
        }
    }

    public Task<Operator?> UpdateAsync(Operator op, AuditOf<Operator> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        lock (_lock)
        {
            if (!_byId.ContainsKey(op.Id) || UsernameTaken(op.Username, except: op.Id)) return Task.FromResult<Operator?>(null);
            auditLog.AppendLocked(audit(op));
            _byId[op.Id] = op;
            return Task.FromResult<Operator?>(op);
        }
    }

    public Task<Operator?> DeleteAsync(Guid id, AuditOf<Operator> audit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var deleted)) return Task.FromResult<Operator?>(null);
            auditLog.AppendLocked(audit(deleted));
            _byId.Remove(id);
            return Task.FromResult<Operator?>(deleted);
        }
    }

    private bool UsernameTaken(string username, Guid? except) =>
        _byId.Values.Any(o => o.Id != except && string.Equals(o.Username, username, StringComparison.OrdinalIgnoreCase));
}
