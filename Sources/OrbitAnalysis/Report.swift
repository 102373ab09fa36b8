/// `orbit report`'s outputs from a table of trials.
public enum Report {
  /// Everything `orbit report` writes besides trials.csv: (report.html, fits.json, terminal table).
  public static func build(table: Table, settings: AnalysisSettings, metadata: SweepMetadata)
    -> (html: String, fitsJSON: String, summary: String)
  {
    let analysis = Analysis.run(table: table, settings: settings)
    return build(analysis: analysis, metadata: metadata)
  }

  /// The same outputs from an analysis already run.
  public static func build(analysis: Analysis, metadata: SweepMetadata)
    -> (html: String, fitsJSON: String, summary: String)
  {
    let html = ReportHTML(analysis: analysis, metadata: metadata).page()
    return (html, analysis.fitsJSON(metadata: metadata), analysis.summary())
  }
}
