<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="100" classificationMax="20000" nodataColor="">
      <rasterTransparency/>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" minimumValue="100" maximumValue="20000">
          <item value="100" color="#eff3ff" alpha="255" label="≤ 100 persons"/>
          <item value="1000" color="#bdd7e7" alpha="255" label="100 – 1k persons"/>
          <item value="5000" color="#6baed6" alpha="255" label="1k – 5k persons"/>
          <item value="20000" color="#3182bd" alpha="255" label="5k – 20k persons"/>
          <item value="inf" color="#08519c" alpha="255" label="&gt; 20k persons"/>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
</qgis>
