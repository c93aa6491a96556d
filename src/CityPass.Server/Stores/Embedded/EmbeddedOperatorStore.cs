using CityPass.Server.Operators;

namespace CityPass.Server.Stores.Embedded;

public sealed class EmbeddedOperatorStore : IOperatorStore
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

    public Task<Operator?> CreateAsync(Operator op, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (UsernameTaken(op.Username, except: null) || !_byId.TryAdd(op.Id, op)) return Task.FromResult<Operator?>(null);
            return Task.FromResult<Operator?>(op);
        }
    }

    public Task<Operator?> UpdateAsync(Operator op, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_byId.ContainsKey(op.Id) || UsernameTaken(op.Username, except: op.Id)) return Task.FromResult<Operator?>(null);
            _byId[op.Id] = op;
            return Task.FromResult<Operator?>(op);
        }
    }

    public Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byId.Remove(id));
    }

    private bool UsernameTaken(string username, Guid? except) =>
        _byId.Values.Any(o => o.Id != except && string.Equals(o.Username, username, StringComparison.OrdinalIgnoreCase));
}
