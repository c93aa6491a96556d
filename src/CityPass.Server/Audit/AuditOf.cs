namespace CityPass.Server.Audit;

/// <summary>
/// The audit entry of a change, made from what the store changed (the id it gave, the state it wrote). A store method
/// that takes one writes the change and this entry together or neither: one PostgreSQL transaction, or one step under
/// the embedded store's lock. So a change whose entry could not be written has not happened, and the 503 its caller
/// answers is true (docs/security.md, "Audit").
/// </summary>
public delegate AuditDraft AuditOf<in T>(T changed);
