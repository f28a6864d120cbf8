<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="1.0000000000000002e-07" classificationMax="0.01" nodataColor="">
      <rasterTransparency/>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" minimumValue="1.0000000000000002e-07" maximumValue="0.01">
          <item value="1.0000000000000002e-07" color="#ffffb2" alpha="255" label="≤ 1e-07 persons/yr"/>
          <item value="1.0000000000000002e-06" color="#fed976" alpha="255" label="1e-07 – 1e-06 persons/yr"/>
          <item value="1e-05" color="#feb24c" alpha="255" label="1e-06 – 1e-05 persons/yr"/>
          <item value="0.0001" color="#fd8d3c" alpha="255" label="1e-05 – 0.0001 persons/yr"/>
          <item value="0.001" color="#fc4e2a" alpha="255" label="0.0001 – 0.001 persons/yr"/>
          <item value="0.01" color="#e31a1c" alpha="255" label="0.001 – 0.01 persons/yr"/>
          <item value="inf" color="#b10026" alpha="255" label="&gt; 0.01 persons/yr"/>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
</qgis>
