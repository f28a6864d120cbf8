<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="0.12400848865509033" classificationMax="0.4960339546203613" nodataColor="">
      <rasterTransparency/>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" minimumValue="0.12400848865509033" maximumValue="0.4960339546203613">
          <item value="0.12400848865509033" color="#ffffb2" alpha="255" label="≤ 0.124"/>
          <item value="0.24801697731018066" color="#fecc5c" alpha="255" label="0.124 – 0.248"/>
          <item value="0.372025465965271" color="#fd8d3c" alpha="255" label="0.248 – 0.372"/>
          <item value="0.4960339546203613" color="#f03b20" alpha="255" label="0.372 – 0.496"/>
          <item value="inf" color="#bd0026" alpha="255" label="&gt; 0.496"/>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
</qgis>
