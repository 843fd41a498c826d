using SmartHome.Audit;

return await AuditCommandLine.Build().Parse(args).InvokeAsync();
